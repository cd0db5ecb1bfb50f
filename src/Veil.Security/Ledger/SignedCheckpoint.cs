namespace Veil.Security.Ledger;

/// <summary>A checkpoint and its signed-note text (body, blank line, signature lines), as exported.</summary>
public sealed record SignedCheckpoint(Checkpoint Checkpoint, string Note);
