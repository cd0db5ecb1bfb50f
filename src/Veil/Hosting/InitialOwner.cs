namespace Veil.Hosting;

/// <summary>The owner created on first run and its one-time password (held in memory only, to print once).</summary>
public sealed record InitialOwner(long Id, string Email, string OneTimePassword);
