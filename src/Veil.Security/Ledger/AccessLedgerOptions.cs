namespace Veil.Security.Ledger;

/// <summary>Settings of the access ledger.</summary>
public sealed class AccessLedgerOptions
{
    /// <summary>How often a checkpoint is signed when entries were added since the last one. Zero turns the timer off.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When entries reach the disk. <see cref="LedgerSync.EveryBatch"/> (default): a read waits for an fsync that covers its
    /// entry, so no served read is ever missing after a crash. <see cref="LedgerSync.Interval"/>: a read waits only for the
    /// write; fsync follows within <see cref="SyncInterval"/>, so a machine crash (not a process crash) can lose the entries
    /// of reads served in that window. Failed writes (disk full, I/O errors) still fail the read in both modes.
    /// </summary>
    public LedgerSync Sync { get; set; } = LedgerSync.EveryBatch;

    /// <summary>How often entries are fsynced with <see cref="LedgerSync.Interval"/>.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The checkpoint origin; null derives one from the signing key.</summary>
    public string? Origin { get; set; }

    /// <summary>Where checkpoints are pushed besides the data directory (files, webhooks).</summary>
    public IList<ICheckpointPublisher> Publishers { get; } = [];
}
