namespace Veil.Security.Ledger;

/// <summary>Settings of the access ledger.</summary>
public sealed class AccessLedgerOptions
{
    /// <summary>How often a checkpoint is signed when entries were added since the last one. Zero turns the timer off.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most entries written (and fsynced) together.</summary>
    public int MaxBatch { get; set; } = 1024;

    /// <summary>The checkpoint origin; null derives one from the signing key.</summary>
    public string? Origin { get; set; }

    /// <summary>Where checkpoints are pushed besides the data directory (files, webhooks).</summary>
    public IList<ICheckpointPublisher> Publishers { get; } = [];
}
