namespace Veil.Storage.Dedup;

/// <summary>
/// The exact set of one (project, day)'s dedup keys: sorted runs in files (<see cref="KeyRun"/>, 8 bytes a key on disk,
/// the OS keeps the hot parts cached) plus a buffer of the newest keys in memory. A full buffer becomes a run; a run is merged into the one before it while that one is at most
/// <see cref="MergeRatio"/> times its size, so runs grow geometrically and a lookup reads a few of them.
/// </summary>
/// <remarks>
/// The files are derived data: the store deletes them when it opens and rebuilds a day from its own rows on first use,
/// so they are never synced. Used by the store writer only.
/// </remarks>
internal sealed class DiskKeySet : IDisposable
{
    /// <summary>Keys buffered in memory before they are written as a run (8 MiB sorted).</summary>
    public const int DefaultBufferKeys = 1 << 20;

    /// <summary>Keys in the largest run a merge makes (64 MiB).</summary>
    public const long DefaultMaxRunKeys = 8L << 20;

    private const int MergeRatio = 4;

    private readonly string _directory;
    private readonly int _bufferKeys;
    private readonly long _maxRunKeys;
    private readonly List<KeyRun> _runs = []; // oldest (and largest) first
    private UInt64Set _buffer = new();
    private int _nextFile;

    /// <summary>Starts an empty set whose runs live in <paramref name="directory"/> (created; it must not hold other files).</summary>
    public DiskKeySet(string directory, int bufferKeys = DefaultBufferKeys, long maxRunKeys = DefaultMaxRunKeys)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferKeys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRunKeys, 1);
        _directory = directory;
        _bufferKeys = bufferKeys;
        _maxRunKeys = maxRunKeys;
        Directory.CreateDirectory(directory);
    }

    /// <summary>Keys held; a key added again after its run was written counts twice until the runs merge.</summary>
    public long Count => _runs.Sum(r => r.Count) + _buffer.Count;

    public int RunCount => _runs.Count;

    /// <summary>Keys per run, oldest first.</summary>
    public IEnumerable<long> RunSizes => _runs.Select(r => r.Count);

    public int BufferedCount => _buffer.Count;

    public bool Contains(ulong key)
    {
        if (_buffer.Contains(key)) return true;
        // Newest runs first: a retry is most likely of a recent event.
        for (var i = _runs.Count - 1; i >= 0; i--)
        {
            if (_runs[i].Contains(key)) return true;
        }
        return false;
    }

    /// <summary>Adds a key (a key already held is harmless: merging keeps one); writes a run when the buffer is full.</summary>
    public void Add(ulong key)
    {
        if (_buffer.Add(key) && _buffer.Count >= _bufferKeys) Flush();
    }

    /// <summary>Writes the buffered keys as a run (merging runs as needed) and empties the buffer.</summary>
    public void Flush()
    {
        if (_buffer.Count == 0) return;
        var keys = _buffer.ToArray();
        Array.Sort(keys);
        _runs.Add(KeyRun.Write(NextPath(), keys));
        _buffer = new UInt64Set();
        while (_runs.Count >= 2 && _runs[^2].Count <= MergeRatio * _runs[^1].Count && _runs[^2].Count + _runs[^1].Count <= _maxRunKeys)
        {
            var merged = KeyRun.Merge(NextPath(), _runs[^2], _runs[^1]);
            _runs[^2].Dispose();
            _runs[^1].Dispose();
            _runs.RemoveRange(_runs.Count - 2, 2);
            _runs.Add(merged);
        }
    }

    /// <summary>Unmaps and deletes every run and the directory.</summary>
    public void Dispose()
    {
        foreach (var run in _runs) run.Dispose();
        _runs.Clear();
        _buffer = new UInt64Set();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or left for the store to delete when it next opens.
        }
    }

    private string NextPath() => Path.Combine(_directory, $"run-{_nextFile++:D6}.keys");
}
