namespace Veil.Ingest.Wal;

/// <summary>Settings of a <see cref="WriteAheadLog"/>.</summary>
public sealed class WalOptions
{
    /// <summary>Directory holding the segments and the checkpoint file; created if missing. One process at a time.</summary>
    public string Directory { get; set; } = "";

    /// <summary>A segment is closed and a new one started once it would grow past this size.</summary>
    public long SegmentSizeBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bound on the bytes of records after the checkpoint (plus those still queued). Past it
    /// <see cref="WriteAheadLog.AppendAsync"/> throws <see cref="WalOverloadedException"/>.
    /// </summary>
    public long MaxUncheckpointedBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Largest payload one record may carry.</summary>
    public int MaxRecordBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// Bound on the bytes of appends queued in memory and not yet written. Past it
    /// <see cref="WriteAheadLog.AppendAsync"/> throws <see cref="WalOverloadedException"/>.
    /// </summary>
    public long MaxQueuedBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// How long the flusher lingers to gather more appends into one fsync. Zero (the default) commits as soon
    /// as the flusher is free: concurrent appends still share an fsync because they queue while one runs.
    /// </summary>
    public TimeSpan GroupCommitMaxDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Crash testing only (null otherwise): called at named points so a harness can kill the process exactly there:
    /// <c>wal-written</c> (a group written, not yet fsync'd), <c>wal-synced</c> (fsync'd, no append completed yet) and
    /// <c>wal-checkpointed</c> (the checkpoint file renamed into place, old segments not yet deleted).
    /// </summary>
    public Action<string>? CrashPoint { get; set; }

    /// <summary>
    /// Crash testing only (null otherwise): called after every fsync, before any of its appends completes, with the
    /// segment's file name and its durable length, so a harness can cut the log back to the last fsync and show that
    /// nothing acknowledged was beyond it.
    /// </summary>
    public Action<string, long>? Synced { get; set; }

    /// <summary>Largest record payload the format can carry; also the sanity bound used during recovery.</summary>
    public const int MaxRecordBytesLimit = 1024 * 1024 * 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
            throw new ArgumentException("WalOptions.Directory must name a directory.", nameof(Directory));
        if (SegmentSizeBytes <= 0)
            throw new ArgumentException($"WalOptions.SegmentSizeBytes must be positive, got {SegmentSizeBytes}.", nameof(SegmentSizeBytes));
        if (MaxRecordBytes <= 0 || MaxRecordBytes > MaxRecordBytesLimit)
            throw new ArgumentException($"WalOptions.MaxRecordBytes must be between 1 and {MaxRecordBytesLimit}, got {MaxRecordBytes}.", nameof(MaxRecordBytes));
        if (MaxUncheckpointedBytes <= 0)
            throw new ArgumentException($"WalOptions.MaxUncheckpointedBytes must be positive, got {MaxUncheckpointedBytes}.", nameof(MaxUncheckpointedBytes));
        if (MaxQueuedBytes <= 0)
            throw new ArgumentException($"WalOptions.MaxQueuedBytes must be positive, got {MaxQueuedBytes}.", nameof(MaxQueuedBytes));
        if (GroupCommitMaxDelay < TimeSpan.Zero || GroupCommitMaxDelay > TimeSpan.FromSeconds(1))
            throw new ArgumentException($"WalOptions.GroupCommitMaxDelay must be between 0 and 1 s, got {GroupCommitMaxDelay}.", nameof(GroupCommitMaxDelay));
    }
}
