using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Veil.Security.Ledger;

/// <summary>
/// The ledger as one append-only file: an 8-byte magic, then per record a little-endian u32 length, the canonical entry
/// bytes and their 32-byte leaf hash. Every byte is meaningful, so flipping any one of them is detectable.
/// Appends are written and fsynced before they return; a failed append is cut off again.
/// </summary>
public sealed class FileLedgerStore : ILedgerStore
{
    /// <summary>The file's first bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "VEILLDG1"u8;

    /// <summary>Largest entry accepted (a read exposing millions of subjects still fits).</summary>
    public const int MaxEntryBytes = 256 * 1024 * 1024;

    private readonly FileStream _file;
    private readonly FileStream _writerLock;
    private readonly List<long> _offsets = [];
    private readonly object _gate = new();
    private long _end;
    private bool _faulted;

    private FileLedgerStore(FileStream file, FileStream writerLock)
    {
        _file = file;
        _writerLock = writerLock;
    }

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
    /// in order so the caller can rebuild the tree. A torn last record (a crash mid-append, never acknowledged) is cut off;
    /// any other damage throws <see cref="LedgerCorruptException"/>.
    /// </summary>
    public static FileLedgerStore Open(string path, out List<byte[]> leafHashes)
    {
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
        var store = new FileLedgerStore(file, writerLock);
        try
        {
            if (created || file.Length == 0)
            {
                file.Write(Magic);
                file.Flush(flushToDisk: true);
                SyncDirectory(path);
            }
            leafHashes = [];
            long validEnd = Magic.Length;
            foreach (var item in ScanFile(file.SafeFileHandle, file.Length))
            {
                if (item.Problem is not null)
                {
                    if (item.Problem.StartsWith(TornPrefix, StringComparison.Ordinal)) break;
                    throw new LedgerCorruptException($"The access ledger {path} is damaged at entry {item.Index}: {item.Problem} Run `veil ledger verify`.");
                }
                store._offsets.Add(item.Offset);
                leafHashes.Add(item.Record!.Value.LeafHash);
                validEnd = item.Offset + 4 + item.Record.Value.Entry.Length + MerkleHash.Size;
            }
            if (validEnd < file.Length)
            {
                file.SetLength(validEnd);
                file.Flush(flushToDisk: true);
            }
            store._end = validEnd;
            file.Position = validEnd;
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
            try
            {
                RandomAccess.Write(_file.SafeFileHandle, buffer, _end);
                // fsync before the read proceeds: an acknowledged read must stay on the ledger across a crash.
                if (sync) RandomAccess.FlushToDisk(_file.SafeFileHandle);
            }
            catch
            {
                // All or nothing: cut the partial write off so no entry of a failed read survives (or a torn record).
                try
                {
                    _file.SetLength(_end);
                    _file.Flush(flushToDisk: true);
                }
                catch (IOException)
                {
                    _faulted = true; // fail closed: refuse further appends rather than write after unknown bytes
                }
                throw;
            }
            _end += size;
            _offsets.AddRange(offsets);
        }
    }

    /// <inheritdoc />
    public void Sync()
    {
        // No lock: an fsync may run beside a positional write; it covers at least everything appended before it began.
        RandomAccess.FlushToDisk(_file.SafeFileHandle);
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
        _file.Dispose();
        _writerLock.Dispose();
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
                yield return new LedgerScanItem(index, null, $"{TornPrefix} (a partial length field at byte {offset}).", offset);
                yield break;
            }
            if (!Ensure(handle, ref window, ref windowStart, ref windowLength, offset, 4, length))
            {
                yield return new LedgerScanItem(index, null, $"{TornPrefix} (the file shrank while being read).", offset);
                yield break;
            }
            var entryLength = BinaryPrimitives.ReadUInt32LittleEndian(window.AsSpan((int)(offset - windowStart), 4));
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
