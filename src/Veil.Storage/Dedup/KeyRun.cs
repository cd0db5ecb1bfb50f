using System.IO.MemoryMappedFiles;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Veil.Storage.Dedup;

/// <summary>
/// An immutable file of distinct 64-bit keys in ascending order, mapped into memory, with a small directory in memory
/// (one offset per ~64 keys, by the keys' top bits) so a lookup reads one short stretch of the file. Dedup keys are
/// hashes, spread evenly, so every directory bucket holds about as many keys as the next.
/// </summary>
/// <remarks>Used by one thread at a time (the store writer).</remarks>
internal sealed unsafe class KeyRun : IDisposable
{
    private const int KeysPerBucket = 64;
    private const int WriteChunk = 64 * 1024;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly ulong* _keys;
    private readonly long[] _starts; // _starts[b] = index of the first key in bucket b or later; one extra at the end
    private readonly int _bits;
    private bool _disposed;

    private KeyRun(string path, long count, long[] starts, int bits)
    {
        Path = path;
        Count = count;
        _starts = starts;
        _bits = bits;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _keys = (ulong*)(pointer + _view.PointerOffset);
        }
        catch
        {
            _view?.Dispose();
            _file.Dispose();
            throw;
        }
    }

    public string Path { get; }

    public long Count { get; }

    /// <summary>Writes <paramref name="sortedKeys"/> (ascending, distinct, at least one) to a new file and maps it.</summary>
    public static KeyRun Write(string path, ReadOnlySpan<ulong> sortedKeys)
    {
        if (sortedKeys.IsEmpty) throw new ArgumentException("A run holds at least one key.", nameof(sortedKeys));
        var directory = new DirectoryBuilder(sortedKeys.Length);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            for (var i = 0; i < sortedKeys.Length; i++) directory.Add(sortedKeys[i]);
            stream.Write(MemoryMarshal.AsBytes(sortedKeys));
        }
        return directory.Open(path);
    }

    /// <summary>Merges two runs into a new file (a key in both is written once) and maps it; the inputs stay as they are.</summary>
    public static KeyRun Merge(string path, KeyRun older, KeyRun newer)
    {
        var directory = new DirectoryBuilder(older.Count + newer.Count);
        var buffer = new ulong[WriteChunk];
        var filled = 0;
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            long i = 0, j = 0;
            while (i < older.Count || j < newer.Count)
            {
                ulong key;
                if (j >= newer.Count || (i < older.Count && older._keys[i] < newer._keys[j])) key = older._keys[i++];
                else if (i >= older.Count || newer._keys[j] < older._keys[i]) key = newer._keys[j++];
                else
                {
                    key = older._keys[i++];
                    j++;
                }
                directory.Add(key);
                buffer[filled++] = key;
                if (filled == buffer.Length)
                {
                    stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan()));
                    filled = 0;
                }
            }
            stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, filled)));
        }
        return directory.Open(path);
    }

    public bool Contains(ulong key)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var bucket = Bucket(key, _bits);
        long low = _starts[bucket], high = _starts[bucket + 1] - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var value = _keys[middle];
            if (value == key) return true;
            if (value < key) low = middle + 1;
            else high = middle - 1;
        }
        return false;
    }

    /// <summary>Unmaps and deletes the file.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        File.Delete(Path);
    }

    private static long Bucket(ulong key, int bits) => bits == 0 ? 0 : (long)(key >> (64 - bits));

    // Fills the directory as keys are written in order.
    private sealed class DirectoryBuilder
    {
        private readonly long[] _starts;
        private readonly int _bits;
        private long _count;
        private long _nextBucket;

        public DirectoryBuilder(long maxCount)
        {
            var buckets = BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, maxCount / KeysPerBucket));
            _bits = BitOperations.Log2(buckets);
            _starts = new long[buckets + 1];
        }

        public void Add(ulong key)
        {
            var bucket = Bucket(key, _bits);
            while (_nextBucket <= bucket) _starts[_nextBucket++] = _count;
            _count++;
        }

        public KeyRun Open(string path)
        {
            while (_nextBucket < _starts.LongLength) _starts[_nextBucket++] = _count;
            return new KeyRun(path, _count, _starts, _bits);
        }
    }
}
