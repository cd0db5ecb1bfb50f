using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Veil.Core.Privacy;
using Veil.Core.Privacy.Pii;

namespace Veil.Security.Ledger;

/// <summary>
/// The access ledger (promise 3): every read appends an entry, durably, before any byte is returned.
/// Appends from concurrent requests are group-committed (one write and one fsync per batch): the first waiting caller
/// writes the batch and grows the in-memory Merkle tree. A failed append fails every read in its batch.
/// </summary>
/// <remarks>
/// How a read endpoint uses it: <c>await ledger.AppendAsync(record)</c> after computing the answer and before writing it;
/// on <see cref="LedgerAppendException"/> return an error and none of the answer.
/// </remarks>
public sealed class AccessLedger : IAsyncDisposable, IDisposable
{
    private readonly ILedgerStore _store;
    private readonly MerkleTree _tree = new();
    private readonly Lock _treeLock = new();
    private readonly Lock _pendingLock = new();
    private List<Pending> _pending = [];
    private bool _leaderActive;
    private bool _closed;
    private LedgerAppendException? _fault;
    private readonly CheckpointSigner? _signer;
    private readonly CheckpointStore? _checkpoints;
    private readonly LedgerIndex? _index;
    private readonly AccessLedgerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer? _checkpointTimer;
    private readonly ITimer? _syncTimer;
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private SignedCheckpoint? _latest;
    private bool _disposed;
    private readonly SemaphoreSlim _handoff = new(0);
    private Thread? _handoffThread;

    /// <summary>
    /// A ledger over <paramref name="store"/> whose stored leaf hashes are <paramref name="storedLeafHashes"/> (in order).
    /// Signer, checkpoint store and index are optional so tests can run the ledger alone.
    /// </summary>
    public AccessLedger(ILedgerStore store, IEnumerable<byte[]> storedLeafHashes, CheckpointSigner? signer = null, CheckpointStore? checkpoints = null,
        LedgerIndex? index = null, AccessLedgerOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        _store = store;
        EnsureThreadPoolHeadroom();
        foreach (var hash in storedLeafHashes) _tree.AppendLeafHash(hash);
        if ((long)_tree.Size != store.Count) throw new ArgumentException($"{_tree.Size} leaf hashes for {store.Count} stored entries.", nameof(storedLeafHashes));
        _signer = signer;
        _checkpoints = checkpoints;
        _index = index;
        _options = options ?? new AccessLedgerOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        if (_signer is not null && _checkpoints is not null)
        {
            foreach (var (_, note) in _checkpoints.All())
            {
                if (_signer.Verify(note) is { } c) _latest = new SignedCheckpoint(c, note);
            }
            if (_latest is { } last && (last.Checkpoint.Size > (long)_tree.Size || !_tree.Root((ulong)last.Checkpoint.Size).AsSpan().SequenceEqual(last.Checkpoint.Root)))
            {
                // Cheap check at start; `veil ledger verify` names the entry.
                _logger.LogCritical("The access ledger does not match its own checkpoint at size {Size}: it was truncated or rewritten. Run `veil ledger verify`.", last.Checkpoint.Size);
            }
        }
        if (_options.Sync == LedgerSync.Interval)
        {
            _syncTimer = TimeProvider.System.CreateTimer(_ => SyncQuietly(), null, _options.SyncInterval, _options.SyncInterval);
        }
        if (_signer is not null && _options.CheckpointInterval > TimeSpan.Zero)
        {
            _checkpointTimer = _time.CreateTimer(_ => _ = CheckpointIfChangedAsync(), null, _options.CheckpointInterval, _options.CheckpointInterval);
        }
    }

    /// <summary>
    /// Opens the ledger of a data directory: ledger.log, its index, checkpoints and the signing key (wrapped by
    /// <paramref name="masterKey"/>). Only one process may hold it.
    /// </summary>
    public static AccessLedger Open(string dataDirectory, MasterKey masterKey, AccessLedgerOptions? options = null, TimeProvider? time = null, ILogger? logger = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var store = FileLedgerStore.Open(LedgerPaths.Log(dataDirectory), out var hashes);
        if (store.RecoveredTornBytes > 0)
        {
            (logger ?? NullLogger.Instance).LogWarning(
                "Cut {Bytes} bytes of an incomplete write off the end of the access ledger (a crash during an append that was never acknowledged). If there was no crash, run `veil ledger verify`.",
                store.RecoveredTornBytes);
        }
        LedgerIndex? index = null;
        CheckpointSigner? signer = null;
        try
        {
            index = LedgerIndex.Open(LedgerPaths.Index(dataDirectory));
            index.TrimTo(store.Count); // an index ahead of the log (a restored or cut log) must not point past it
            index.CatchUpFromFile(LedgerPaths.Log(dataDirectory));
            signer = CheckpointSigner.LoadOrCreate(LedgerPaths.SigningKey(dataDirectory), masterKey, options?.Origin);
            return new AccessLedger(store, hashes, signer, new CheckpointStore(LedgerPaths.Checkpoints(dataDirectory)), index, options, time, logger);
        }
        catch
        {
            signer?.Dispose();
            index?.Dispose();
            store.Dispose();
            throw;
        }
    }

    /// <summary>Entries in the ledger (durable).</summary>
    public long Size
    {
        get
        {
            lock (_treeLock) return (long)_tree.Size;
        }
    }

    /// <summary>The checkpoint signer (for its public key), when checkpoints are on.</summary>
    public CheckpointSigner? Signer => _signer;

    /// <summary>The newest signed checkpoint, if any.</summary>
    public SignedCheckpoint? LatestCheckpoint => Volatile.Read(ref _latest);

    /// <summary>The search index, when one is attached.</summary>
    public LedgerIndex? Index => _index;

    /// <summary>The storage.</summary>
    public ILedgerStore Store => _store;

    /// <summary>
    /// Records a read. Completes once the entry is durable; throws <see cref="LedgerAppendException"/> when it could not be
    /// recorded, in which case the caller must return nothing of the read.
    /// </summary>
    public async Task<LedgerEntry> AppendAsync(AccessRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Promise 1 holds for the ledger too: a query that names someone by email or phone is recorded with the value redacted.
        var scan = PiiScanner.Default.Scan("query", record.Query);
        if (scan.HasHits) record = record with { Query = PiiRedactor.Apply(record.Query, scan, PiiPolicyAction.Redact).Value ?? "[redacted]" };
        var pending = new Pending(record);
        bool lead;
        lock (_pendingLock)
        {
            if (_fault is { } fault) throw new LedgerAppendException(fault.Message, fault);
            if (_closed) throw new LedgerAppendException("The access ledger is closed.");
            _pending.Add(pending);
            lead = !_leaderActive;
            if (lead) _leaderActive = true;
        }
        // Group commit, leader/follower: the caller that finds no write in progress writes every waiting entry itself
        // (no thread hop when reads are sparse); callers arriving meanwhile wait for the next batch.
        if (lead) Lead(pending);
        // Not cancellable once queued: the entry may already be on disk, and over-recording is the safe side.
        return await pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The root hash of the first <paramref name="size"/> entries.</summary>
    public byte[] Root(long size)
    {
        lock (_treeLock) return _tree.Root(checked((ulong)size));
    }

    /// <summary>Inclusion proof of entry <paramref name="index"/> in the tree of <paramref name="size"/>.</summary>
    public List<byte[]> InclusionProof(long index, long size)
    {
        lock (_treeLock) return _tree.InclusionProof(checked((ulong)index), checked((ulong)size));
    }

    /// <summary>Consistency proof from size <paramref name="from"/> to <paramref name="to"/>.</summary>
    public List<byte[]> ConsistencyProof(long from, long to)
    {
        lock (_treeLock) return _tree.ConsistencyProof(checked((ulong)from), checked((ulong)to));
    }

    /// <summary>The leaf hash of entry <paramref name="index"/>.</summary>
    public byte[] LeafHash(long index)
    {
        lock (_treeLock) return _tree.LeafHash(checked((ulong)index));
    }

    /// <summary>Reads and decodes entry <paramref name="index"/>, checking it against the tree.</summary>
    public LedgerEntry ReadEntry(long index)
    {
        var stored = _store.Read(index);
        if (!MerkleHash.Leaf(stored.Entry).AsSpan().SequenceEqual(LeafHash(index))) throw new LedgerCorruptException($"Entry {index} does not match the ledger's tree: run `veil ledger verify`.");
        return LedgerEntryCodec.Decode(stored.Entry);
    }

    /// <summary>The incident report for <paramref name="query"/> over every entry recorded so far.</summary>
    public async Task<IncidentReport> ReportAsync(IncidentQuery query)
    {
        if (_index is null) throw new InvalidOperationException("This ledger has no index.");
        await _index.FlushAsync();
        if (_store is FileLedgerStore file)
        {
            using var log = FileLedgerStore.OpenForReading(file.Path);
            return IncidentReporter.Build(query, _index, log.SafeFileHandle, Size, _time.GetUtcNow());
        }
        return IncidentReporter.Build(query, _index, (i, _) => _store.Read(i), Size, _time.GetUtcNow());
    }

    /// <summary>Signs a checkpoint of the current size, stores it and pushes it to every publisher (failures are logged).</summary>
    public async Task<SignedCheckpoint> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (_signer is null) throw new InvalidOperationException("This ledger has no signing key.");
        await _checkpointGate.WaitAsync(cancellationToken);
        try
        {
            Checkpoint checkpoint;
            lock (_treeLock) checkpoint = new Checkpoint(_signer.Name, (long)_tree.Size, _tree.Root(_tree.Size));
            var signed = _signer.Sign(checkpoint);
            _checkpoints?.Save(signed);
            Volatile.Write(ref _latest, signed);
            foreach (var publisher in _options.Publishers)
            {
                try
                {
                    await publisher.PublishAsync(signed, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning("Could not publish ledger checkpoint {Size} via {Publisher}: {Error}", checkpoint.Size, publisher.GetType().Name, e.Message);
                }
            }
            return signed;
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    private void SyncQuietly()
    {
        try
        {
            _store.Sync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _logger.LogError("Access ledger fsync failed: {Error}", e.Message);
        }
    }

    private async Task CheckpointIfChangedAsync()
    {
        try
        {
            if (_latest is null || _latest.Checkpoint.Size != Size) await CheckpointAsync();
        }
        catch (Exception e)
        {
            _logger.LogError("Periodic ledger checkpoint failed: {Error}", e.Message);
        }
    }

    // Writes batches until none wait; a request's leader stops once its own entry is written and hands the rest to the pool.
    private void Lead(Pending? own)
    {
        while (true)
        {
            List<Pending> batch;
            lock (_pendingLock)
            {
                if (_pending.Count == 0 || _fault is not null)
                {
                    _leaderActive = false;
                    return;
                }
                if (own is not null && own.Completion.Task.IsCompleted)
                {
                    // The next batch is led by the ledger's own thread: the request returns, and no thread-pool thread
                    // blocks in the write (on a two-core machine the pool has two, and requests queue behind them).
                    _handoffThread ??= StartHandoffThread();
                    _handoff.Release();
                    return;
                }
                if (_pending.Count <= _options.MaxBatch)
                {
                    batch = _pending;
                    _pending = [];
                }
                else
                {
                    batch = _pending.GetRange(0, _options.MaxBatch);
                    _pending.RemoveRange(0, _options.MaxBatch);
                }
            }
            WriteBatch(batch);
        }
    }

    private static int _headroomChecked;

    // A sparse read leads its own group commit on its request's pool thread and blocks there for the write and sync
    // (handing every append to the ledger's own thread instead costs a thread wake-up per read: p50 1–2 ms on a busy
    // two-core machine). With the pool's default minimum of one worker per core, one blocked worker left reads queued
    // for tens to hundreds of milliseconds in `ledger-load` (up to 600 queued; issue delay p99 65–560 ms); with two
    // more workers, at most 4 queued and p99 2 ms. So the minimum is raised once, never lowered.
    private static void EnsureThreadPoolHeadroom()
    {
        if (Interlocked.Exchange(ref _headroomChecked, 1) == 1) return;
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = Environment.ProcessorCount + 2;
        if (workers < wanted) ThreadPool.SetMinThreads(wanted, io);
    }

    private Thread StartHandoffThread()
    {
        var thread = new Thread(() =>
        {
            while (true)
            {
                _handoff.Wait();
                if (Volatile.Read(ref _disposed) && !Volatile.Read(ref _leaderActive)) return;
                Lead(null);
            }
        })
        { IsBackground = true, Name = "Veil ledger writer" };
        thread.Start();
        return thread;
    }

    private void WriteBatch(List<Pending> batch)
    {
        var records = new List<StoredLedgerRecord>(batch.Count);
        var entries = new List<LedgerEntry>(batch.Count);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        try
        {
            var next = _store.Count;
            foreach (var p in batch)
            {
                var entry = new LedgerEntry(next + entries.Count, now, p.Record);
                var bytes = LedgerEntryCodec.Encode(entry);
                entries.Add(entry);
                records.Add(new StoredLedgerRecord(entry.Index, bytes, MerkleHash.Leaf(bytes)));
            }
            _store.Append(records, sync: _options.Sync == LedgerSync.EveryBatch);
        }
        catch (Exception e)
        {
            _logger.LogError("Access ledger append failed; {Count} reads refused: {Error}", batch.Count, e.Message);
            var failure = new LedgerAppendException("The access ledger could not record this read, so it was refused.", e);
            foreach (var p in batch) p.Completion.TrySetException(failure);
            return;
        }
        try
        {
            lock (_treeLock)
            {
                foreach (var r in records) _tree.AppendLeafHash(r.LeafHash);
            }
        }
        catch (Exception e)
        {
            // The entries are durable but the tree is not: fail closed until a restart rebuilds it from the log.
            _logger.LogCritical("Access ledger tree update failed; refusing reads until restart: {Error}", e.Message);
            var failure = new LedgerAppendException("The access ledger is in an inconsistent state; restart Veil.", e);
            List<Pending> rest;
            lock (_pendingLock)
            {
                _fault = failure;
                rest = _pending;
                _pending = [];
            }
            foreach (var p in batch.Concat(rest)) p.Completion.TrySetException(failure);
            return;
        }
        for (var i = 0; i < batch.Count; i++) batch[i].Completion.TrySetResult(entries[i]);
        if (_index is not null)
        {
            var indexed = new IndexedEntry[entries.Count];
            for (var i = 0; i < entries.Count; i++) indexed[i] = new IndexedEntry(entries[i], _store.Locate(entries[i].Index), 4 + records[i].Entry.Length + MerkleHash.Size);
            _index.Enqueue(indexed);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _checkpointTimer?.Dispose();
        while (true)
        {
            lock (_pendingLock)
            {
                _closed = true;
                if (!_leaderActive) break;
            }
            await Task.Delay(1);
        }
        if (_handoffThread is { } handoff)
        {
            _handoff.Release(); // no leader is active any more: the thread sees _disposed and ends
            handoff.Join();
        }
        if (_syncTimer is not null)
        {
            await _syncTimer.DisposeAsync();
            _store.Sync();
        }
        if (_signer is not null && (_latest is null || _latest.Checkpoint.Size != Size))
        {
            // Sign the final state on shutdown so the newest entries are covered by a checkpoint.
            try
            {
                await CheckpointAsync();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("Could not sign the closing ledger checkpoint: {Error}", e.Message);
            }
        }
        _index?.Dispose();
        _store.Dispose();
        _signer?.Dispose();
        _checkpointGate.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed class Pending(AccessRecord record)
    {
        public AccessRecord Record { get; } = record;
        public TaskCompletionSource<LedgerEntry> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
