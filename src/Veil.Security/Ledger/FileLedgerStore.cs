using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Veil.Security.Ledger;

/// <summary>
/// The ledger as one append-only file: an 8-byte magic, then per record a little-endian u32 length, the canonical entry
/// bytes and their 32-byte leaf hash. Every byte is meaningful, so flipping any one of them is detectable.
/// Appends are written and fdatasynced before they return; a failed append is cut off again.
/// </summary>
/// <remarks>
/// While open, the file is kept zero-filled a few MiB beyond the last record (written and synced ahead of need, in the
/// background): an append then overwrites allocated blocks, so its fdatasync is one data write and a cache flush, with
/// no file-system journal commit for a new size or new blocks (on ext4 that commit costs ~0.3 ms alone and waits behind
/// every other process's metadata changes). A zero length field followed only by zeros marks the end of the log;
/// closing the store cuts the zeros off again.
/// </remarks>
public sealed class FileLedgerStore : ILedgerStore
{
    /// <summary>The file's first bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "VEILLDG1"u8;

    /// <summary>Largest entry accepted (a read exposing millions of subjects still fits).</summary>
    public const int MaxEntryBytes = 256 * 1024 * 1024;

    /// <summary>Zero-filled bytes kept ahead of the last record by default.</summary>
    public const long DefaultPreallocationBytes = 4 * 1024 * 1024;

    /// <summary>
    /// How far back from the last written byte <see cref="Open"/> looks for a write torn by a crash: records starting
    /// there are hash-checked, and the log is cut at the first that fails where zeros stand for unwritten sectors. Damage further back is
    /// left for <c>veil ledger verify</c> to name, as before.
    /// </summary>
    public const long TornWriteWindowBytes = 8 * 1024 * 1024;

    // Shared and never written: a fill allocates nothing (a megabyte per fill would be a large-object allocation).
    private static readonly byte[] Zeros = new byte[1 << 20];

    private readonly FileStream _file;
    private readonly FileStream _writerLock;
    private readonly List<long> _offsets = [];
    private readonly object _gate = new();
    private readonly long _preallocation;
    private long _end;
    private long _allocated; // the file's length: bytes [_end, _allocated) are zeros
    private Task<long>? _extension; // zero-fills beyond _allocated in the background; yields the new durable length
    private bool _faulted;
    private bool _opened;

    private FileLedgerStore(FileStream file, FileStream writerLock, long preallocation)
    {
        _file = file;
        _writerLock = writerLock;
        _preallocation = preallocation;
    }

    /// <summary>Bytes of an incomplete write cut off the end of the log when it was opened (after a crash), else 0.</summary>
    public long RecoveredTornBytes { get; private set; }

    /// <summary>Path of the file.</summary>
    public string Path => _file.Name;

    /// <inheritdoc />
    public long Count
    {
        get
        {
            lock (_gate) return _offsets.Count;
        }
    }

    /// <summary>
    /// Opens (creating when absent) the ledger file for appending; only one writer at a time. Returns the stored leaf hashes
    /// in order so the caller can rebuild the tree. A write torn by a crash (never acknowledged) is cut off: a last record
    /// cut short, or, within <see cref="TornWriteWindowBytes"/> of the last written byte, the first record that fails its
    /// hash or framing where zeros stand for sectors that never reached the disk (see <see cref="RecoveredTornBytes"/>). Other framing
    /// damage throws <see cref="LedgerCorruptException"/>; other hash mismatches are kept for <c>veil ledger verify</c> to name.
    /// <paramref name="preallocationBytes"/> of zeros are kept ahead of the last record (0: the file grows with each append).
    /// </summary>
    public static FileLedgerStore Open(string path, out List<byte[]> leafHashes, long preallocationBytes = DefaultPreallocationBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(preallocationBytes);
        FileStream writerLock;
        try
        {
            // A separate lock file keeps out a second writer while readers (verify, reports) still open the log itself.
            writerLock = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new LedgerInUseException($"The access ledger {path} is held by another process (a running Veil server?).", e);
        }
        var created = !File.Exists(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        }
        catch
        {
            writerLock.Dispose();
            throw;
        }
        var store = new FileLedgerStore(file, writerLock, preallocationBytes);
        try
        {
            if (created || file.Length == 0)
            {
                file.Write(Magic);
                file.Flush(flushToDisk: true);
                SyncDirectory(path);
            }
            leafHashes = [];
            var length = file.Length;
            // Only the last write can be torn by a crash; it lies just before the zeros preallocated after it.
            var windowStart = Math.Max(Magic.Length, LastNonZeroEnd(file.SafeFileHandle, length) - TornWriteWindowBytes);
            long validEnd = Magic.Length;
            long? tornAt = null;
            foreach (var item in ScanFile(file.SafeFileHandle, length))
            {
                if (item.Problem is not null)
                {
                    if (item.Problem.StartsWith(TornPrefix, StringComparison.Ordinal)
                        || (item.Offset >= windowStart && LooksTorn(file.SafeFileHandle, item.Offset, item.Offset + 4, length)))
                    {
                        tornAt = item.Offset;
                        break;
                    }
                    throw new LedgerCorruptException($"The access ledger {path} is damaged at entry {item.Index}: {item.Problem} Run `veil ledger verify`.");
                }
                var record = item.Record!.Value;
                var recordEnd = item.Offset + 4 + record.Entry.Length + MerkleHash.Size;
                if (item.Offset >= windowStart
                    && (LedgerEntryCodec.DeclaredIndex(record.Entry) != item.Index || !MerkleHash.Leaf(record.Entry).AsSpan().SequenceEqual(record.LeafHash))
                    && LooksTorn(file.SafeFileHandle, item.Offset, recordEnd, length))
                {
                    tornAt = item.Offset;
                    break;
                }
                store._offsets.Add(item.Offset);
                leafHashes.Add(record.LeafHash);
                validEnd = recordEnd;
            }
            if (tornAt is { } cut)
            {
                store.RecoveredTornBytes = Math.Max(0, LastNonZeroEnd(file.SafeFileHandle, length) - cut);
                file.SetLength(cut);
                file.Flush(flushToDisk: true);
                length = cut;
            }
            store._end = validEnd;
            store._allocated = length;
            file.Position = validEnd;
            store._opened = true;
            lock (store._gate) store.ExtendIfLow();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A raw scan of the file at <paramref name="path"/>, which a server may be appending to; from the start, or from
    /// record <paramref name="startIndex"/> at byte <paramref name="startOffset"/>.
    /// </summary>
    public static IEnumerable<LedgerScanItem> ScanPath(string path, long startOffset = 0, long startIndex = 0)
    {
        using var file = OpenForReading(path);
        foreach (var item in ScanFile(file.SafeFileHandle, file.Length, startOffset, startIndex)) yield return item;
    }

    /// <summary>Opens the ledger file read-only beside a server that may be appending to it.</summary>
    public static FileStream OpenForReading(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);

    /// <summary>The byte offset of record <paramref name="index"/> (its locator, for the index).</summary>
    public long Locate(long index)
    {
        lock (_gate) return _offsets[checked((int)index)];
    }

    /// <inheritdoc />
    public void Append(IReadOnlyList<StoredLedgerRecord> records, bool sync = true)
    {
        lock (_gate)
        {
            if (_faulted) throw new IOException("The ledger file could not be restored after a failed append; reopen it (a restart) to recover.");
            var size = 0;
            foreach (var r in records) size += 4 + r.Entry.Length + MerkleHash.Size;
            var buffer = new byte[size];
            var position = 0;
            var offsets = new long[records.Count];
            for (var i = 0; i < records.Count; i++)
            {
                var r = records[i];
                if (r.Index != _offsets.Count + i) throw new ArgumentException($"Record {r.Index} appended at position {_offsets.Count + i}.", nameof(records));
                if (r.Entry.Length > MaxEntryBytes) throw new ArgumentException($"Entry {r.Index} is {r.Entry.Length} bytes; at most {MaxEntryBytes}.", nameof(records));
                offsets[i] = _end + position;
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(position), (uint)r.Entry.Length);
                r.Entry.CopyTo(buffer.AsSpan(position + 4));
                r.LeafHash.CopyTo(buffer.AsSpan(position + 4 + r.Entry.Length));
                position += 4 + r.Entry.Length + MerkleHash.Size;
            }
            // Past the zero-filled space, the background zero-fill may be writing where this write goes: let it finish.
            AbsorbExtension(wait: _end + size > _allocated);
            try
            {
                RandomAccess.Write(_file.SafeFileHandle, buffer, _end);
                // Durable before the read proceeds: an acknowledged read must stay on the ledger across a crash.
                if (sync) NativeMethods.DataSync(_file.SafeFileHandle);
            }
            catch
            {
                // All or nothing: cut the partial write off so no entry of a failed read survives (or a torn record).
                try
                {
                    AbsorbExtension(wait: true);
                    _file.SetLength(_end);
                    _file.Flush(flushToDisk: true);
                    _allocated = _end;
                }
                catch (IOException)
                {
                    _faulted = true; // fail closed: refuse further appends rather than write after unknown bytes
                }
                throw;
            }
            _end += size;
            _allocated = Math.Max(_allocated, _end);
            _offsets.AddRange(offsets);
            ExtendIfLow();
        }
    }

    /// <inheritdoc />
    public void Sync()
    {
        // No lock: a sync may run beside a positional write; it covers at least everything appended before it began.
        NativeMethods.DataSync(_file.SafeFileHandle);
    }

    // Under _gate: takes in a finished zero-fill (or waits for a running one); a failed one changes nothing.
    private void AbsorbExtension(bool wait)
    {
        if (_extension is not { } extension || (!wait && !extension.IsCompleted)) return;
        _allocated = Math.Max(_allocated, extension.GetAwaiter().GetResult());
        _extension = null;
    }

    // Under _gate: starts zero-filling the next chunk when less than half a chunk of zeros is left.
    private void ExtendIfLow()
    {
        AbsorbExtension(wait: false);
        if (_preallocation == 0 || _extension is not null || _faulted || _allocated - _end >= _preallocation / 2) return;
        var from = _allocated;
        var to = from + _preallocation;
        var handle = _file.SafeFileHandle;
        // Its own thread, not the pool's: the fill blocks in writes and syncs for milliseconds, and with the pool's two
        // threads on a small machine (one may be a reader leading a write) requests would queue behind it.
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() => done.SetResult(ZeroFill(handle, from, to))) { IsBackground = true, Name = "Veil ledger preallocation" }.Start();
        _extension = done.Task;
    }

    // Writes zeros over [from, to) and makes them durable; returns the new durable length, or `from` when it could not
    // (a full disk: appends then grow the file themselves and fail as before once nothing fits).
    private static long ZeroFill(SafeFileHandle handle, long from, long to)
    {
        var zeros = Zeros;
        try
        {
            // A megabyte at a time, each synced, so an append's fdatasync meanwhile never waits for many dirty pages.
            for (var offset = from; offset < to; offset += zeros.Length)
            {
                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, to - offset)), offset);
                NativeMethods.DataSync(handle);
            }
            return to;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            return from;
        }
    }

    /// <inheritdoc />
    public StoredLedgerRecord Read(long index)
    {
        long offset;
        lock (_gate) offset = _offsets[checked((int)index)];
        return ReadAt(_file.SafeFileHandle, index, offset);
    }

    /// <summary>Reads the record at a known <paramref name="offset"/> of an open file (as stored, not verified).</summary>
    public static StoredLedgerRecord ReadAt(SafeFileHandle handle, long index, long offset)
    {
        Span<byte> lengthBytes = stackalloc byte[4];
        RandomAccess.Read(handle, lengthBytes, offset);
        var length = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes));
        var buffer = new byte[length + MerkleHash.Size];
        var read = RandomAccess.Read(handle, buffer, offset + 4);
        if (read != buffer.Length) throw new LedgerCorruptException($"Entry {index} is cut short.");
        return new StoredLedgerRecord(index, buffer[..length], buffer[length..]);
    }

    /// <inheritdoc />
    public IEnumerable<LedgerScanItem> Scan()
    {
        long end;
        lock (_gate) end = _end;
        return ScanFile(_file.SafeFileHandle, end);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                _extension?.GetAwaiter().GetResult();
                // A closed log ends at its last record: cut the preallocated zeros off.
                if (_opened && !_faulted && _file.Length > _end)
                {
                    _file.SetLength(_end);
                    _file.Flush(flushToDisk: true);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Best effort: zeros after the last record read as the end of the log.
            }
            _opened = false;
            _file.Dispose();
            _writerLock.Dispose();
        }
    }

    private const string TornPrefix = "incomplete record at the end of the file";

    private static IEnumerable<LedgerScanItem> ScanFile(SafeFileHandle handle, long length, long startOffset = 0, long startIndex = 0)
    {
        var magic = new byte[Magic.Length];
        if (length < Magic.Length || RandomAccess.Read(handle, magic, 0) != Magic.Length || !Magic.SequenceEqual(magic))
        {
            yield return new LedgerScanItem(0, null, "the file header is not \"VEILLDG1\" (damaged or not a Veil ledger).", 0);
            yield break;
        }
        var offset = Math.Max(startOffset, Magic.Length);
        var index = startIndex;
        // Read sequentially through a 1 MiB window: one system call per megabyte, not two per record.
        var window = new byte[1 << 20];
        long windowStart = offset;
        var windowLength = 0;
        while (offset < length)
        {
            if (length - offset < 4)
            {
                if (AllZero(handle, ref window, ref windowStart, ref windowLength, offset, length)) yield break;
                yield return new LedgerScanItem(index, null, $"{TornPrefix} (a partial length field at byte {offset}).", offset);
                yield break;
            }
            if (!Ensure(handle, ref window, ref windowStart, ref windowLength, offset, 4, length))
            {
                yield return new LedgerScanItem(index, null, $"{TornPrefix} (the file shrank while being read).", offset);
                yield break;
            }
            var entryLength = BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan((int)(offset - windowStart), 4));
            // The zeros preallocated after the last record: the end of the log, when nothing but zeros follows.
            if (entryLength == 0 && AllZero(handle, ref window, ref windowStart, ref windowLength, offset, length)) yield break;
            if (entryLength == 0 || entryLength > MaxEntryBytes)
            {
                yield return new LedgerScanItem(index, null, $"its length field says {entryLength} bytes, which no entry has.", offset);
                yield break;
            }
            var total = 4L + entryLength + MerkleHash.Size;
            if (offset + total > length)
            {
                yield return new LedgerScanItem(index, null, $"{TornPrefix} (the record needs {total} bytes, {length - offset} remain).", offset);
                yield break;
            }
            if (!Ensure(handle, ref window, ref windowStart, ref windowLength, offset, (int)total, length))
            {
                yield return new LedgerScanItem(index, null, $"{TornPrefix} (the file shrank while being read).", offset);
                yield break;
            }
            var at = (int)(offset - windowStart) + 4;
            var entry = window.AsSpan(at, (int)entryLength).ToArray();
            var hash = window.AsSpan(at + (int)entryLength, MerkleHash.Size).ToArray();
            yield return new LedgerScanItem(index, new StoredLedgerRecord(index, entry, hash), null, offset);
            offset += total;
            index++;
        }
    }

    // Makes bytes [offset, offset + count) available in the window, sliding and refilling it (and growing it for huge records).
    private static bool Ensure(SafeFileHandle handle, ref byte[] window, ref long windowStart, ref int windowLength, long offset, int count, long length)
    {
        if (offset >= windowStart && offset + count <= windowStart + windowLength) return true;
        if (count > window.Length) window = new byte[count];
        var keep = offset >= windowStart && offset < windowStart + windowLength ? (int)(windowStart + windowLength - offset) : 0;
        if (keep > 0) Buffer.BlockCopy(window, (int)(offset - windowStart), window, 0, keep);
        windowStart = offset;
        windowLength = keep;
        var want = (int)Math.Min(window.Length - keep, length - (offset + keep));
        while (want > 0)
        {
            var read = RandomAccess.Read(handle, window.AsSpan(windowLength, want), windowStart + windowLength);
            if (read == 0) break;
            windowLength += read;
            want -= read;
        }
        return windowLength >= count;
    }

    private static bool AllZero(SafeFileHandle handle, ref byte[] window, ref long windowStart, ref int windowLength, long offset, long length)
    {
        while (offset < length)
        {
            var count = (int)Math.Min(window.Length, length - offset);
            if (!Ensure(handle, ref window, ref windowStart, ref windowLength, offset, count, length)) return true; // shrank: nothing follows
            if (window.AsSpan((int)(offset - windowStart), count).ContainsAnyExcept((byte)0)) return false;
            offset += count;
        }
        return true;
    }

    // A crash that keeps sectors of a write from the disk leaves their earlier content: the preallocated zeros, or in the
    // write's first sector the previous record's end and then zeros. So a torn record has zeros from its start to the
    // next sector boundary, or a whole 512-byte sector of zeros, which no record contains (entries are JSON text).
    // Damage that is not zeros is not a torn write; it stays for `veil ledger verify` to name.
    private static bool LooksTorn(SafeFileHandle handle, long start, long end, long length)
    {
        var sector = new byte[512];
        var firstBoundary = (start + 512) & ~511L;
        if (IsZero(handle, sector, start, firstBoundary, length)) return true;
        for (var at = start & ~511L; at < end; at += 512)
        {
            if (IsZero(handle, sector, at, at + 512, length)) return true;
        }
        return false;
    }

    // Whether bytes [from, to) are all zero (bytes past the end of the file count as zero: nothing was written there).
    private static bool IsZero(SafeFileHandle handle, byte[] buffer, long from, long to, long length)
    {
        if (from >= length) return true;
        var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)(Math.Min(to, length) - from)), from);
        return !buffer.AsSpan(0, read).ContainsAnyExcept((byte)0);
    }

    // The offset just past the last non-zero byte of the first `length` bytes (at least the magic's end).
    private static long LastNonZeroEnd(SafeFileHandle handle, long length)
    {
        var block = new byte[1 << 20];
        var end = length;
        while (end > Magic.Length)
        {
            var start = Math.Max(Magic.Length, end - block.Length);
            var span = block.AsSpan(0, (int)(end - start));
            var read = RandomAccess.Read(handle, span, start);
            var last = span[..read].LastIndexOfAnyExcept((byte)0);
            if (last >= 0) return start + last + 1;
            end = start;
        }
        return Magic.Length;
    }

    private static void SyncDirectory(string path)
    {
        // The new file's directory entry must be durable too, or a crash can lose the whole ledger.
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is null || OperatingSystem.IsWindows()) return;
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort on file systems that refuse to open directories.
        }
    }
}
