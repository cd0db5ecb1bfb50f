namespace Veil.Storage.DuckDb;

/// <summary>Tuning for <see cref="DuckDbEventStore"/>.</summary>
public sealed record DuckDbEventStoreOptions
{
    /// <summary>
    /// How many (project, UTC day) key sets the in-memory dedup index keeps. Older days are evicted and
    /// reloaded from the file if an event for them arrives again, so this bounds memory, not correctness.
    /// </summary>
    public int MaxDedupDays { get; init; } = 200;

    /// <summary>
    /// Upper bound on dedup keys held in Bloom filters over all days (roughly 2–4 bytes each). A day with more keys is
    /// answered by its exact key set on disk alone.
    /// </summary>
    public long MaxDedupKeys { get; init; } = 16_000_000;

    /// <summary>
    /// Whether each day in the dedup index keeps an exact set of its keys on disk beside the store file (the default:
    /// 8 bytes a key, derived data rebuilt after a restart). Off, keys the Bloom filter may have seen, and every key of
    /// a day beyond <see cref="MaxDedupKeys"/>, are checked against the store's rows, which costs a scan of the
    /// events' time span per apply: cheap for live traffic, slow for imports whose times spread over hours.
    /// </summary>
    public bool DedupKeysOnDisk { get; init; } = true;

    /// <summary>Keys the on-disk sets buffer in memory over all days before the largest buffers are written as sorted runs.</summary>
    public int DedupBufferKeys { get; init; } = 1 << 20;

    /// <summary>
    /// DuckDB's own write-ahead log size that triggers an automatic checkpoint. DuckDB's default (16 MiB)
    /// checkpoints every few applies of ~10k events, each rewriting the table's last, partly filled row group;
    /// 128 MiB roughly halves commit cost for such applies at the price of a longer DuckDB log replay after a crash.
    /// </summary>
    public long CheckpointThresholdBytes { get; init; } = 128L * 1024 * 1024;

    /// <summary>
    /// DuckDB's buffer pool limit. DuckDB defaults to 80% of RAM, which lets a long ingest grow the server's memory by
    /// gigabytes; a bounded pool keeps memory flat (queries spill to disk beyond it).
    /// </summary>
    public long MemoryLimitBytes { get; init; } = 1L * 1024 * 1024 * 1024;

    /// <summary>
    /// Whether DuckDB's checkpoints merge small row groups ("vacuum"). An apply of more than one row group's worth of
    /// events (122,880) leaves a partly filled row group behind, and a vacuuming checkpoint rewrites it together with its
    /// full neighbours: about 2 µs per stored event, a third of the writer's cost. Off, the table keeps some partly
    /// filled row groups (queries read them as fast) and rows deleted from the profile tables keep their space until
    /// their whole row group is deleted.
    /// </summary>
    public bool VacuumOnCheckpoint { get; init; }

    /// <summary>
    /// Crash testing only (null otherwise): called at named points of an apply so a harness can kill the process exactly
    /// there: <c>events-appended</c> (every event in the open transaction) and <c>before-commit</c> (everything written,
    /// the transaction not yet committed).
    /// </summary>
    public Action<string>? CrashPoint { get; init; }
}
