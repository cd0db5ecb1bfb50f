using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Veil.Core.Privacy;
using Veil.Core.Privacy.Pii;

namespace Veil.Security.Ledger;

/// <summary>
/// The access ledger (promise 3): every read appends an entry, durably, before any byte is returned.
/// Each read writes its own entry (writes are ordered by a lock) and then makes it durable with an fdatasync on its own
/// thread: a sync covers every entry written before it began, so a read whose entry an in-flight sync already covers
/// waits for that one, and a read written after it starts its own beside it (at most two in flight) instead of queueing
/// behind it. The in-memory Merkle tree grows only over the durable prefix, in index order.
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
    // Orders writes: index assignment, the file write and the queue of written entries.
    private readonly Lock _writeLock = new();
    private readonly Queue<Written> _written = new(); // written, not yet on the tree (under _syncLock once enqueued)
    private long _writtenCount;
    private bool _closed;
    private int _appending;
    // Sync state, a monitor: durable prefix, syncs in flight and the target of the newest one.
    private readonly object _syncLock = new();
    private long _durableCount;
    private int _syncsInFlight;
    private long _newestSyncTarget;
    private LedgerAppendException? _fault;
    private const int MaxSyncsInFlight = 2;
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
        _writtenCount = _durableCount = (long)_tree.Size;
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
    public Task<LedgerEntry> AppendAsync(AccessRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        // Promise 1 holds for the ledger too: a query that names someone by email or phone is recorded with the value redacted.
        var scan = PiiScanner.Default.Scan("query", record.Query);
        if (scan.HasHits) record = record with { Query = PiiRedactor.Apply(record.Query, scan, PiiPolicyAction.Redact).Value ?? "[redacted]" };
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return Task.FromResult(Append(record));
        }
        catch (LedgerAppendException e)
        {
            return Task.FromException<LedgerEntry>(e);
        }
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

    /// <summary>
    /// The entries recorded at or after <paramref name="from"/>, oldest first: read back from the end of the log (entry
    /// times never decrease along it), at most the newest <paramref name="maxEntries"/>.
    /// </summary>
    public List<LedgerEntry> EntriesSince(DateTimeOffset from, int maxEntries = 1_000_000)
    {
        var entries = new List<LedgerEntry>();
        for (var i = Size - 1; i >= 0 && entries.Count < maxEntries; i--)
        {
            var entry = LedgerEntryCodec.Decode(_store.Read(i).Entry);
            if (entry.Time < from) break;
            entries.Add(entry);
        }
        entries.Reverse();
        return entries;
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

    private static int _headroomChecked;

    // A read writes and syncs its entry on its request's pool thread and blocks there (handing every append to a ledger
    // thread instead costs a thread wake-up per read: p50 1–2 ms on a busy two-core machine). With the pool's default minimum of one worker per core, one blocked worker left reads queued
    // for tens to hundreds of milliseconds in `ledger-load` (up to 600 queued; issue delay p99 65–560 ms); with two
    // more workers, at most 4 queued and p99 2 ms. So the minimum is raised once, never lowered.
    private static void EnsureThreadPoolHeadroom()
    {
        if (Interlocked.Exchange(ref _headroomChecked, 1) == 1) return;
        ThreadPool.GetMinThreads(out var workers, out var io);
        var wanted = Environment.ProcessorCount + 2;
        if (workers < wanted) ThreadPool.SetMinThreads(wanted, io);
    }

    // Writes the entry, then returns once it is durable (or throws, and the read must return nothing).
    private LedgerEntry Append(AccessRecord record)
    {
        LedgerEntry entry;
        lock (_writeLock)
        {
            if (Volatile.Read(ref _fault) is { } fault) throw new LedgerAppendException(fault.Message, fault);
            if (_closed) throw new LedgerAppendException("The access ledger is closed.");
            // Under the lock, so entry times never go backwards along the log.
            var now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
            entry = new LedgerEntry(_writtenCount, now, record);
            StoredLedgerRecord stored;
            try
            {
                var bytes = LedgerEntryCodec.Encode(entry);
                stored = new StoredLedgerRecord(entry.Index, bytes, MerkleHash.Leaf(bytes));
                // Written, not yet synced; a failed write is cut off again by the store, so nothing follows it.
                _store.Append([stored], sync: false);
            }
            catch (Exception e)
            {
                _logger.LogError("Access ledger append failed; the read was refused: {Error}", e.Message);
                throw new LedgerAppendException("The access ledger could not record this read, so it was refused.", e);
            }
            lock (_syncLock) _written.Enqueue(new Written(entry, stored));
            _writtenCount++;
            _appending++;
        }
        try
        {
            if (_options.Sync == LedgerSync.EveryBatch) AwaitDurable(entry.Index);
            else lock (_syncLock) MarkDurable(entry.Index + 1);
            return entry;
        }
        finally
        {
            lock (_writeLock) _appending--;
        }
    }

    // Returns once entry `index` is durable: a sync in flight that began after it was written covers it; otherwise this
    // thread syncs itself, beside at most one other sync.
    private void AwaitDurable(long index)
    {
        long target;
        lock (_syncLock)
        {
            while (true)
            {
                if (_fault is { } fault) throw new LedgerAppendException(fault.Message, fault);
                if (_durableCount > index) return;
                var covered = _syncsInFlight > 0 && _newestSyncTarget > index;
                if (!covered && _syncsInFlight < MaxSyncsInFlight) break;
                Monitor.Wait(_syncLock);
            }
            _syncsInFlight++;
            target = _durableCount + _written.Count; // everything written so far: this sync covers all of it
            _newestSyncTarget = target;
        }
        Exception? failure = null;
        try
        {
            _store.Sync();
        }
        catch (Exception e)
        {
            failure = e;
        }
        lock (_syncLock)
        {
            _syncsInFlight--;
            if (failure is not null)
            {
                // Whether the written entries reached the disk is unknown: fail closed, every read waiting or to come
                // is refused until a restart rereads the log (entries that did land record refused reads: the safe side).
                _logger.LogCritical("Access ledger fsync failed; refusing reads until restart: {Error}", failure.Message);
                _fault ??= new LedgerAppendException("The access ledger could not make this read's entry durable, so it was refused; restart Veil.", failure);
            }
            else
            {
                MarkDurable(target);
            }
            Monitor.PulseAll(_syncLock);
            if (_fault is { } fault) throw new LedgerAppendException(fault.Message, fault);
        }
    }

    // Under _syncLock: the first `count` entries are durable; the tree and the index take them in order.
    private void MarkDurable(long count)
    {
        if (count <= _durableCount || _fault is not null) return;
        var added = new List<Written>((int)(count - _durableCount));
        while (_durableCount < count)
        {
            added.Add(_written.Dequeue());
            _durableCount++;
        }
        try
        {
            lock (_treeLock)
            {
                foreach (var w in added) _tree.AppendLeafHash(w.Stored.LeafHash);
            }
        }
        catch (Exception e)
        {
            // The entries are durable but the tree is not: fail closed until a restart rebuilds it from the log.
            _logger.LogCritical("Access ledger tree update failed; refusing reads until restart: {Error}", e.Message);
            _fault = new LedgerAppendException("The access ledger is in an inconsistent state; restart Veil.", e);
            return;
        }
        if (_index is not null)
        {
            var indexed = new IndexedEntry[added.Count];
            for (var i = 0; i < added.Count; i++)
            {
                var w = added[i];
                indexed[i] = new IndexedEntry(w.Entry, _store.Locate(w.Entry.Index), 4 + w.Stored.Entry.Length + MerkleHash.Size);
            }
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
            lock (_writeLock)
            {
                _closed = true;
                if (_appending == 0) break;
            }
            await Task.Delay(1);
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

    private sealed record Written(LedgerEntry Entry, StoredLedgerRecord Stored);
}
