using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Veil.Ingest.Wal;

/// <summary>
/// Veil's write-ahead log: accepted ingestion batches are appended here and acknowledged only once fsync'd
/// (promise 5); the store writer tails it with <see cref="ReadAfter(long, int, long)"/> and calls <see cref="Checkpoint"/> once
/// records are safely in the store, which lets old segments go.
/// </summary>
/// <remarks>
/// One background flusher thread takes every queued append, writes them with one write and one fsync (group
/// commit) and then completes them, so concurrent appenders share the cost of an fsync. Payloads are opaque.
/// </remarks>
public sealed class WriteAheadLog : IAsyncDisposable
{
    private const int WriteBufferSize = 1024 * 1024;

    private readonly string _directory;
    private readonly long _segmentSize;
    private readonly int _maxRecordBytes;
    private readonly long _maxUncheckpointedBytes;
    private readonly long _maxQueuedBytes;
    private readonly TimeSpan _groupCommitDelay;
    private readonly Action<string>? _crashPoint;
    private readonly Action<string, long>? _synced;
    private readonly ILogger _logger;
    private readonly WalFileOps _files;
    private readonly FileStream _lockFile;
    private readonly Thread _flusher;
    private readonly TaskCompletionSource _flusherExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _checkpointGate = new();

    // Everything below up to the flusher-owned block is guarded by _gate.
    private readonly object _gate = new();
    private readonly List<WalSegment> _segments = [];
    private readonly List<DurableWaiter> _waiters = [];
    private List<AppendRequest> _pending = [];
    private long _pendingBytes;
    private bool _flusherWaiting;
    private bool _disposing;
    private Exception? _fault;
    private long _durableLsn;
    private long _checkpointLsn;
    // Positions in the running byte count over all segments (WalSegment.BaseOffset + offset); their difference is
    // the uncheckpointed byte count that backpressure looks at.
    private long _durableEnd;
    private long _checkpointPosition;
    // Where the last ReadAfter stopped, so a tailing reader resumes without a seek.
    private WalSegment? _hintSegment;
    private long _hintLsn;
    private long _hintOffset;

    // Owned by the flusher thread (and by the constructor before it starts).
    private WalSegment _active;
    private SafeFileHandle _activeHandle;
    private long _nextLsn;
    private bool _needsRepair;
    private List<AppendRequest> _spare = [];
    private readonly byte[] _writeBuffer;
    private readonly List<(long Lsn, long Offset)> _newIndexEntries = [];
    private readonly List<DurableWaiter> _readyWaiters = [];

    private Task? _disposeTask;

    private WriteAheadLog(WalOptions options, ILogger logger, WalFileOps files, string directory, FileStream lockFile)
    {
        _directory = directory;
        _segmentSize = options.SegmentSizeBytes;
        _maxRecordBytes = options.MaxRecordBytes;
        _maxUncheckpointedBytes = options.MaxUncheckpointedBytes;
        _maxQueuedBytes = options.MaxQueuedBytes;
        _groupCommitDelay = options.GroupCommitMaxDelay;
        _crashPoint = options.CrashPoint;
        _synced = options.Synced;
        _logger = logger;
        _files = files;
        _lockFile = lockFile;

        Recovery = Recover();
        _writeBuffer = ArrayPool<byte>.Shared.Rent(WriteBufferSize);
        _flusher = new Thread(FlusherLoop) { IsBackground = true, Name = "veil-wal-flusher" };
        _flusher.Start();
    }

    /// <summary>What opening found on disk, including any torn tail it cut off.</summary>
    public WalRecoveryReport Recovery { get; }

    /// <summary>
    /// Highest LSN that is durable: every record up to it is fsync'd (or, right after a restart, was already
    /// covered by the checkpoint). New records get LSNs above it.
    /// </summary>
    public long DurableLsn => Volatile.Read(ref _durableLsn);

    /// <summary>Highest LSN the store has confirmed (see <see cref="Checkpoint"/>).</summary>
    public long CheckpointLsn
    {
        get
        {
            lock (_gate) return _checkpointLsn;
        }
    }

    /// <summary>Bytes (headers included) of durable records after the checkpoint.</summary>
    public long UncheckpointedBytes
    {
        get
        {
            lock (_gate) return _durableEnd - _checkpointPosition;
        }
    }

    /// <summary>
    /// Opens (creating if needed) the WAL in <see cref="WalOptions.Directory"/> and recovers it: a torn or corrupt
    /// tail is cut off and reported in <see cref="Recovery"/>, never thrown.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be created, read or written, or another process has it open.</exception>
    public static WriteAheadLog Open(WalOptions options, ILogger? logger = null) => Open(options, logger, WalFileOps.Default);

    internal static WriteAheadLog Open(WalOptions options, ILogger? logger, WalFileOps files)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var directory = Path.GetFullPath(options.Directory);
        FileStream lockFile;
        try
        {
            if (!Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory);
                // The new directory's own entry must survive a crash too.
                var parent = Path.GetDirectoryName(directory);
                if (parent is not null) files.FlushDirectory(parent);
            }
            // FileShare.None takes an exclusive flock on Unix: two processes appending to one WAL would corrupt it.
            lockFile = new FileStream(Path.Combine(directory, WalRecordFormat.LockFileName), FileMode.OpenOrCreate,
                FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The WAL directory '{directory}' is unusable or already in use by another process: {ex.Message}", ex);
        }

        try
        {
            return new WriteAheadLog(options, logger ?? NullLogger.Instance, files, directory, lockFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            lockFile.Dispose();
            throw new IOException($"The WAL directory '{directory}' is unusable: {ex.Message}", ex);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends one record and completes with its LSN once it is written and fsync'd. The caller must not change
    /// <paramref name="payload"/> until then. <paramref name="cancellationToken"/> is only observed before the
    /// record is queued: once queued it is written.
    /// </summary>
    /// <exception cref="WalOverloadedException">Thrown at once when too much is uncheckpointed or queued.</exception>
    /// <exception cref="WalWriteException">The write or fsync failed; the record is not in the WAL.</exception>
    public ValueTask<long> AppendAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > _maxRecordBytes)
            throw new ArgumentException($"A WAL record holds at most {_maxRecordBytes} bytes; this one has {payload.Length}.", nameof(payload));
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<long>(cancellationToken);

        long size = WalRecordFormat.HeaderSize + payload.Length;
        AppendRequest request;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposing, this);
            if (_fault is not null) throw new WalWriteException("The WAL flusher has stopped.", _fault);

            // A lone record is always admitted, so one larger than the bounds can still get through an idle WAL.
            var outstanding = _durableEnd - _checkpointPosition + _pendingBytes;
            if (outstanding > 0 && outstanding + size > _maxUncheckpointedBytes)
                throw new WalOverloadedException($"The WAL holds {outstanding} bytes not yet in the store (limit {_maxUncheckpointedBytes}).");
            if (_pendingBytes > 0 && _pendingBytes + size > _maxQueuedBytes)
                throw new WalOverloadedException($"The WAL has {_pendingBytes} bytes waiting for the disk (limit {_maxQueuedBytes}).");

            request = AppendRequest.Rent(payload);
            _pending.Add(request);
            _pendingBytes += size;
            if (_flusherWaiting) Monitor.Pulse(_gate);
        }
        return request.AsValueTask();
    }

    /// <summary>Completes once <see cref="DurableLsn"/> is greater than <paramref name="afterLsn"/>.</summary>
    public Task WaitForDurableAsync(long afterLsn, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _durableLsn) > afterLsn) return Task.CompletedTask;
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);

        var waiter = new DurableWaiter(this, afterLsn);
        lock (_gate)
        {
            if (_durableLsn > afterLsn) return Task.CompletedTask;
            if (_disposing) return Task.FromException(new ObjectDisposedException(nameof(WriteAheadLog)));
            _waiters.Add(waiter);
        }
        waiter.Register(cancellationToken);
        return waiter.Task;
    }

    /// <summary>
    /// Durable records with LSN greater than <paramref name="afterLsn"/>, in LSN order: at most
    /// <paramref name="maxRecords"/>, and no more payload bytes than <paramref name="maxBytes"/> except that the first
    /// record is always returned. Records already removed by <see cref="Checkpoint"/> are skipped. Read from the
    /// segment files (usually the page cache), so memory stays bounded by the request.
    /// </summary>
    /// <exception cref="InvalidDataException">A durable record no longer reads back intact.</exception>
    public IReadOnlyList<WalRecord> ReadAfter(long afterLsn, int maxRecords, long maxBytes)
    {
        var result = new List<WalRecord>();
        ReadAfter(afterLsn, maxRecords, maxBytes, (lsn, payload) => result.Add(new WalRecord(lsn, payload.ToArray())));
        return result;
    }

    /// <summary>
    /// As <see cref="ReadAfter(long, int, long)"/>, but hands each payload to <paramref name="visit"/> straight from the
    /// read buffer (valid only during the call) instead of copying it: the store writer decodes records of hundreds of
    /// KiB, and a copy of each would land on the large-object heap.
    /// </summary>
    /// <returns>How many records were visited and their payload bytes.</returns>
    /// <exception cref="InvalidDataException">A durable record no longer reads back intact.</exception>
    public (int Records, long Bytes) ReadAfter(long afterLsn, int maxRecords, long maxBytes, Action<long, ReadOnlySpan<byte>> visit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRecords);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentNullException.ThrowIfNull(visit);

        var count = 0;
        var next = Math.Max(afterLsn, 0) + 1;
        long bytes = 0;
        while (count < maxRecords)
        {
            WalSegment? segment;
            long startOffset, end;
            SafeFileHandle handle;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposing, this);
                segment = FindSegmentHolding(next);
                if (segment is null) break;
                if (next < segment.FirstLsn) next = segment.FirstLsn;
                startOffset = ReferenceEquals(_hintSegment, segment) && _hintLsn == next ? _hintOffset : segment.Seek(next).Offset;
                end = segment.Length;
                // Opened under the lock so Checkpoint cannot delete the file first; an open handle outlives the unlink.
                handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }

            var resumeOffset = startOffset;
            var full = false;
            using (handle)
            using (var cursor = new WalRecordCursor(handle, startOffset, end))
            {
                while (count < maxRecords)
                {
                    var found = cursor.MoveNext();
                    if (found == WalCursorResult.End) break;
                    if (found == WalCursorResult.Torn)
                        throw new InvalidDataException($"WAL segment {segment.FileName} is damaged at offset {cursor.Offset}: {cursor.Problem}.");
                    if (cursor.Lsn < next) continue;
                    if (cursor.Lsn != next)
                        throw new InvalidDataException($"WAL segment {segment.FileName} has LSN {cursor.Lsn} at offset {cursor.Offset} where {next} was expected.");
                    if (count > 0 && bytes + cursor.PayloadLength > maxBytes)
                    {
                        full = true;
                        break;
                    }
                    visit(next, cursor.Payload);
                    count++;
                    bytes += cursor.PayloadLength;
                    next++;
                    resumeOffset = cursor.NextOffset;
                }
            }

            lock (_gate)
            {
                _hintSegment = segment;
                _hintLsn = next;
                _hintOffset = resumeOffset;
            }
            if (full) break;
        }
        return (count, bytes);
    }

    /// <summary>
    /// Records that everything up to <paramref name="lsn"/> is safely in the store: persists the checkpoint
    /// (temp file, fsync, rename, fsync directory) and deletes segments holding only records at or below it.
    /// Lower values than the current checkpoint are ignored.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lsn"/> is beyond <see cref="DurableLsn"/>.</exception>
    /// <exception cref="IOException">The checkpoint could not be persisted; nothing changed.</exception>
    public void Checkpoint(long lsn)
    {
        lock (_checkpointGate)
        {
            long durable;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposing, this);
                if (lsn <= _checkpointLsn) return;
                durable = _durableLsn;
            }
            // New records get LSNs above DurableLsn; a checkpoint past it would silently cover them.
            if (lsn > durable)
                throw new ArgumentOutOfRangeException(nameof(lsn), lsn, $"Cannot checkpoint past the durable LSN {durable}.");

            PersistCheckpoint(lsn);
            _crashPoint?.Invoke("wal-checkpointed");
            var position = PositionOfFirstRecordAfter(lsn);

            var doomed = new List<WalSegment>();
            lock (_gate)
            {
                _checkpointLsn = lsn;
                _checkpointPosition = Math.Max(_checkpointPosition, position);
                // The last segment is the one being written; it stays even when fully checkpointed.
                while (_segments.Count > 1 && _segments[0].LastLsn <= lsn)
                {
                    doomed.Add(_segments[0]);
                    _segments.RemoveAt(0);
                }
                if (_hintSegment is not null && doomed.Contains(_hintSegment)) _hintSegment = null;
            }
            foreach (var segment in doomed) TryDelete(segment.Path, segment.FileName);
            WalLog.Checkpointed(_logger, lsn, doomed.Count);
        }
    }

    /// <summary>Writes out everything already queued, then closes the files.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposeTask is null)
            {
                _disposing = true;
                Monitor.PulseAll(_gate);
                _disposeTask = DisposeCoreAsync();
            }
            return new ValueTask(_disposeTask);
        }
    }

    private async Task DisposeCoreAsync()
    {
        await _flusherExited.Task.ConfigureAwait(false);
        DurableWaiter[] waiters;
        lock (_gate)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }
        foreach (var waiter in waiters) waiter.TrySetException(new ObjectDisposedException(nameof(WriteAheadLog)));
        _activeHandle.Dispose();
        ArrayPool<byte>.Shared.Return(_writeBuffer);
        await _lockFile.DisposeAsync().ConfigureAwait(false);
    }

    // ---- Recovery --------------------------------------------------------------------------------------------

    [MemberNotNull(nameof(_active), nameof(_activeHandle))]
    private WalRecoveryReport Recover()
    {
        TryDelete(Path.Combine(_directory, WalRecordFormat.CheckpointTempFileName), WalRecordFormat.CheckpointTempFileName);
        var checkpoint = ReadCheckpoint();

        var files = new List<(long FirstLsn, string Path)>();
        foreach (var path in Directory.EnumerateFiles(_directory))
            if (WalRecordFormat.TryParseSegmentFileName(Path.GetFileName(path), out var firstLsn))
                files.Add((firstLsn, path));
        files.Sort((a, b) => a.FirstLsn.CompareTo(b.FirstLsn));

        long records = 0, lastRecordLsn = 0, bytesTruncated = 0, truncatedAt = 0, running = 0, expected = 0, checkpointPosition = -1;
        string? reason = null, truncatedSegment = null;
        var deleted = 0;
        var directoryChanged = false;

        foreach (var (firstLsn, path) in files)
        {
            var fileName = Path.GetFileName(path);
            if (reason is null && _segments.Count > 0 && firstLsn != expected)
            {
                reason = $"segment starts at LSN {firstLsn} but LSN {expected} was expected";
                truncatedSegment = fileName;
                truncatedAt = 0;
            }
            if (reason is not null)
            {
                // Everything after the first bad record goes: later records could not be contiguous with it.
                bytesTruncated += new FileInfo(path).Length;
                File.Delete(path);
                deleted++;
                directoryChanged = true;
                continue;
            }

            var segment = new WalSegment(firstLsn, path, running);
            var lsn = firstLsn;
            long validEnd = 0;
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read))
            {
                var length = RandomAccess.GetLength(handle);
                using (var cursor = new WalRecordCursor(handle, 0, length))
                {
                    while (true)
                    {
                        var found = cursor.MoveNext();
                        if (found == WalCursorResult.End) break;
                        if (found == WalCursorResult.Torn)
                        {
                            reason = cursor.Problem;
                            break;
                        }
                        if (cursor.Lsn != lsn)
                        {
                            reason = $"record at offset {cursor.Offset} has LSN {cursor.Lsn} but LSN {lsn} was expected";
                            break;
                        }
                        if (cursor.Offset >= segment.NextIndexOffset) segment.AddIndexEntry(lsn, cursor.Offset);
                        if (lsn > checkpoint && checkpointPosition < 0) checkpointPosition = running + cursor.Offset;
                        lastRecordLsn = lsn;
                        lsn++;
                        records++;
                        validEnd = cursor.NextOffset;
                    }
                }
                if (reason is not null)
                {
                    truncatedSegment = fileName;
                    truncatedAt = validEnd;
                    bytesTruncated += length - validEnd;
                    RandomAccess.SetLength(handle, validEnd);
                    RandomAccess.FlushToDisk(handle);
                }
            }
            segment.MarkDurable(lsn - 1, validEnd);
            _segments.Add(segment);
            running += validEnd;
            expected = lsn;
        }

        // An empty last segment still fixes the next LSN through its name.
        _nextLsn = Math.Max(_segments.Count > 0 ? expected - 1 : 0, checkpoint) + 1;

        var last = _segments.Count > 0 ? _segments[^1] : null;
        if (last is not null && last.LastLsn + 1 == _nextLsn)
        {
            _active = last;
            _activeHandle = _files.OpenSegment(last.Path, create: false);
        }
        else
        {
            // The checkpoint is ahead of the last record (the store has more than the WAL kept): LSNs continue after
            // it in a fresh segment, since a segment's records must follow on from its name.
            if (last is not null && last.IsEmpty)
            {
                File.Delete(last.Path);
                _segments.RemoveAt(_segments.Count - 1);
            }
            var path = Path.Combine(_directory, WalRecordFormat.SegmentFileName(_nextLsn));
            _activeHandle = _files.OpenSegment(path, create: true);
            _active = new WalSegment(_nextLsn, path, running);
            _segments.Add(_active);
            directoryChanged = true;
        }
        if (directoryChanged) _files.FlushDirectory(_directory);

        _durableLsn = _nextLsn - 1;
        _checkpointLsn = checkpoint;
        _durableEnd = running;
        _checkpointPosition = checkpointPosition < 0 ? running : checkpointPosition;

        while (_segments.Count > 1 && _segments[0].LastLsn <= checkpoint)
        {
            TryDelete(_segments[0].Path, _segments[0].FileName);
            _segments.RemoveAt(0);
        }

        if (reason is not null)
            WalLog.RecoveryTruncated(_logger, truncatedSegment!, truncatedAt, reason, bytesTruncated, deleted);
        WalLog.Opened(_logger, records, _segments.Count, checkpoint, _nextLsn);

        return new WalRecoveryReport
        {
            RecordsRecovered = records,
            LastRecordLsn = lastRecordLsn,
            CheckpointLsn = checkpoint,
            BytesTruncated = bytesTruncated,
            TruncatedSegment = truncatedSegment,
            TruncatedAtOffset = truncatedAt,
            Reason = reason,
            SegmentsDeleted = deleted,
        };
    }

    private long ReadCheckpoint()
    {
        var path = Path.Combine(_directory, WalRecordFormat.CheckpointFileName);
        if (!File.Exists(path)) return 0;
        if (WalRecordFormat.TryReadCheckpoint(File.ReadAllBytes(path), out var lsn)) return lsn;
        WalLog.CheckpointUnreadable(_logger);
        return 0;
    }

    // ---- Flusher ---------------------------------------------------------------------------------------------

    private void FlusherLoop()
    {
        try
        {
            while (true)
            {
                List<AppendRequest> batch;
                lock (_gate)
                {
                    while (_pending.Count == 0)
                    {
                        if (_disposing) return;
                        _flusherWaiting = true;
                        Monitor.Wait(_gate);
                        _flusherWaiting = false;
                    }
                    if (_groupCommitDelay > TimeSpan.Zero && !_disposing) Monitor.Wait(_gate, _groupCommitDelay);
                    batch = _pending;
                    _pending = _spare;
                }
                CommitGroup(batch);
                batch.Clear();
                _spare = batch;
            }
        }
        catch (Exception ex)
        {
            // A bug rather than an I/O error (CommitGroup handles those): fail whatever is queued so nobody hangs.
            WalLog.FlusherCrashed(_logger, ex);
            List<AppendRequest> stranded;
            lock (_gate)
            {
                _fault = ex;
                stranded = _pending;
                _pending = [];
                _pendingBytes = 0;
            }
            foreach (var request in stranded) request.Fail(new WalWriteException("The WAL flusher has stopped.", ex));
        }
        finally
        {
            _flusherExited.TrySetResult();
        }
    }

    /// <summary>Writes and fsyncs a group, completing each append only once its bytes are durable.</summary>
    private void CommitGroup(List<AppendRequest> batch)
    {
        var start = 0;
        while (start < batch.Count)
        {
            try
            {
                if (_needsRepair) Repair();
                if (_active.Length > 0 && _active.Length + batch[start].RecordBytes > _segmentSize) StartSegment();
                var end = WriteChunk(batch, start, out var endOffset);
                _synced?.Invoke(_active.FileName, endOffset);
                _crashPoint?.Invoke("wal-synced");
                Publish(batch, start, end, endOffset);
                start = end;
            }
            catch (Exception ex)
            {
                WalLog.WriteFailed(_logger, batch.Count - start, ex);
                // The failed bytes may be partly on disk; cut them off so a restart cannot resurrect records whose
                // appends were reported as failed, and so the next write lands on a clean end.
                try
                {
                    Repair();
                }
                catch (Exception repairError)
                {
                    _needsRepair = true;
                    WalLog.RepairFailed(_logger, _active.FileName, _active.Length, repairError);
                }
                FailFrom(batch, start, ex);
                return;
            }
        }
    }

    private void Repair()
    {
        _files.SetLength(_activeHandle, _active.Length);
        _files.Flush(_activeHandle);
        _needsRepair = false;
    }

    /// <summary>Writes records from <paramref name="start"/> that fit in the active segment, then fsyncs once.</summary>
    private int WriteChunk(List<AppendRequest> batch, int start, out long endOffset)
    {
        var buffer = _writeBuffer;
        Span<byte> header = stackalloc byte[WalRecordFormat.HeaderSize];
        var position = _active.Length;
        var bufferOffset = position;
        var buffered = 0;
        var lsn = _nextLsn;
        var nextIndexOffset = _active.NextIndexOffset;
        _newIndexEntries.Clear();

        var i = start;
        for (; i < batch.Count; i++, lsn++)
        {
            var payload = batch[i].Payload.Span;
            var size = WalRecordFormat.HeaderSize + payload.Length;
            if (i > start && position + size > _segmentSize) break;
            if (position >= nextIndexOffset)
            {
                _newIndexEntries.Add((lsn, position));
                nextIndexOffset = position + WalSegment.IndexInterval;
            }

            if (buffered + size > buffer.Length)
            {
                if (buffered > 0)
                {
                    _files.Write(_activeHandle, buffer.AsSpan(0, buffered), bufferOffset);
                    bufferOffset += buffered;
                    buffered = 0;
                }
                if (size > buffer.Length)
                {
                    // Too big for the group buffer: write it straight from the caller's memory.
                    WalRecordFormat.WriteHeader(header, lsn, payload);
                    _files.Write(_activeHandle, header, bufferOffset);
                    _files.Write(_activeHandle, payload, bufferOffset + WalRecordFormat.HeaderSize);
                    bufferOffset += size;
                    position += size;
                    continue;
                }
            }
            WalRecordFormat.WriteHeader(buffer.AsSpan(buffered), lsn, payload);
            payload.CopyTo(buffer.AsSpan(buffered + WalRecordFormat.HeaderSize));
            buffered += size;
            position += size;
        }
        if (buffered > 0) _files.Write(_activeHandle, buffer.AsSpan(0, buffered), bufferOffset);

        _crashPoint?.Invoke("wal-written");
        // fsync before anyone hears "done": promise 5.
        _files.Flush(_activeHandle);
        endOffset = position;
        return i;
    }

    private void Publish(List<AppendRequest> batch, int start, int end, long endOffset)
    {
        var firstLsn = _nextLsn;
        var lastLsn = firstLsn + (end - start) - 1;
        var bytes = endOffset - _active.Length;
        _readyWaiters.Clear();
        lock (_gate)
        {
            foreach (var (lsn, offset) in _newIndexEntries) _active.AddIndexEntry(lsn, offset);
            _active.MarkDurable(lastLsn, endOffset);
            _durableEnd = _active.BaseOffset + endOffset;
            Volatile.Write(ref _durableLsn, lastLsn);
            _pendingBytes -= bytes;
            if (_waiters.Count > 0)
            {
                for (var w = _waiters.Count - 1; w >= 0; w--)
                {
                    if (_waiters[w].AfterLsn >= lastLsn) continue;
                    _readyWaiters.Add(_waiters[w]);
                    _waiters.RemoveAt(w);
                }
            }
        }
        _nextLsn = lastLsn + 1;
        for (var i = start; i < end; i++) batch[i].Complete(firstLsn + (i - start));
        foreach (var waiter in _readyWaiters) waiter.Release();
    }

    private void FailFrom(List<AppendRequest> batch, int start, Exception error)
    {
        long bytes = 0;
        for (var i = start; i < batch.Count; i++) bytes += batch[i].RecordBytes;
        lock (_gate) _pendingBytes -= bytes;
        for (var i = start; i < batch.Count; i++)
            batch[i].Fail(new WalWriteException($"Writing to the WAL failed: {error.Message}", error));
    }

    /// <summary>Closes the full active segment and starts the next, named after the next LSN.</summary>
    private void StartSegment()
    {
        var path = Path.Combine(_directory, WalRecordFormat.SegmentFileName(_nextLsn));
        var handle = _files.OpenSegment(path, create: true);
        try
        {
            // The new name must survive a crash before any record in it is acknowledged.
            _files.FlushDirectory(_directory);
        }
        catch
        {
            handle.Dispose();
            TryDelete(path, Path.GetFileName(path));
            throw;
        }
        WalSegment segment;
        lock (_gate)
        {
            segment = new WalSegment(_nextLsn, path, _durableEnd);
            _segments.Add(segment);
        }
        _activeHandle.Dispose();
        _activeHandle = handle;
        _active = segment;
        WalLog.SegmentStarted(_logger, segment.FileName);
    }

    // ---- Checkpoint helpers ----------------------------------------------------------------------------------

    private void PersistCheckpoint(long lsn)
    {
        Span<byte> data = stackalloc byte[WalRecordFormat.CheckpointFileSize];
        WalRecordFormat.WriteCheckpoint(data, lsn);
        var temp = Path.Combine(_directory, WalRecordFormat.CheckpointTempFileName);
        var target = Path.Combine(_directory, WalRecordFormat.CheckpointFileName);
        try
        {
            _files.WriteFile(temp, data, FileMode.Create);
            _files.Replace(temp, target);
            _files.FlushDirectory(_directory);
        }
        catch (IOException ex) when (File.Exists(target))
        {
            // On a full disk even the small temp file can be refused, yet deleting checkpointed segments is what
            // frees space. Overwriting the existing file's 12 bytes needs no new block; a torn write there fails
            // its CRC and reads as checkpoint 0, which only makes the store see records again (it dedups).
            TryDelete(temp, WalRecordFormat.CheckpointTempFileName);
            _files.WriteFile(target, data, FileMode.Open);
            WalLog.CheckpointWrittenInPlace(_logger, ex);
        }
    }

    /// <summary>Running byte position of the first durable record with LSN above <paramref name="lsn"/>.</summary>
    private long PositionOfFirstRecordAfter(long lsn)
    {
        WalSegment? segment;
        long startOffset, end;
        lock (_gate)
        {
            segment = FindSegmentHolding(lsn + 1);
            if (segment is null) return _durableEnd;
            if (segment.FirstLsn > lsn) return segment.BaseOffset;
            startOffset = segment.Seek(lsn + 1).Offset;
            end = segment.Length;
        }
        // Only Checkpoint deletes segments and the caller holds its lock, so the file is still there.
        using var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var cursor = new WalRecordCursor(handle, startOffset, end);
        while (cursor.MoveNext(verifyChecksum: false) == WalCursorResult.Record)
            if (cursor.Lsn > lsn) return segment.BaseOffset + cursor.Offset;
        return segment.BaseOffset + end;
    }

    /// <summary>The first segment holding a durable record with LSN at or above <paramref name="lsn"/>. Caller holds _gate.</summary>
    private WalSegment? FindSegmentHolding(long lsn)
    {
        foreach (var segment in _segments)
            if (!segment.IsEmpty && segment.LastLsn >= lsn) return segment;
        return null;
    }

    private void TryDelete(string path, string name)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WalLog.DeleteFailed(_logger, name, ex);
        }
    }

    /// <summary>A <see cref="WaitForDurableAsync"/> caller.</summary>
    private sealed class DurableWaiter(WriteAheadLog owner, long afterLsn)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private CancellationTokenRegistration _registration;

        public long AfterLsn { get; } = afterLsn;

        public void Register(CancellationToken cancellationToken)
        {
            if (!cancellationToken.CanBeCanceled) return;
            _registration = cancellationToken.Register(static state =>
            {
                var (waiter, token) = ((DurableWaiter, CancellationToken))state!;
                lock (waiter._owner._gate) waiter._owner._waiters.Remove(waiter);
                waiter.TrySetCanceled(token);
            }, (this, cancellationToken));
        }

        public void Release()
        {
            _registration.Unregister();
            TrySetResult();
        }

        private readonly WriteAheadLog _owner = owner;
    }
}
