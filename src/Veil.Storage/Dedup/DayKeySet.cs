namespace Veil.Storage.Dedup;

/// <summary>
/// One (project, day)'s exact dedup key set as <see cref="Partitions"/> <see cref="DiskKeySet"/>s split by the keys' top
/// bits. A lookup reads one partition's runs, so a day of any size costs a few short runs per key instead of every run of
/// one set; and each partition writes and merges on its own schedule (their buffer thresholds differ), so the merges of
/// a busy day come one partition at a time instead of as one burst of writes on the disk the WAL syncs to.
/// </summary>
/// <remarks>Used by the store writer only.</remarks>
internal sealed class DayKeySet : IDisposable
{
    /// <summary>Partitions per day (by the top 4 bits of the key, which is a hash).</summary>
    public const int Partitions = 16;

    private const int PartitionBits = 4;

    private readonly string _directory;
    private readonly DiskKeySet[] _parts = new DiskKeySet[Partitions];

    /// <param name="directory">Created; deleted with everything in it by <see cref="Dispose"/>.</param>
    /// <param name="bufferKeys">Keys buffered in memory before partitions write runs (about this many, over all partitions).</param>
    /// <param name="maxRunKeys">Keys in the largest run a merge makes, per partition.</param>
    public DayKeySet(string directory, int bufferKeys = DiskKeySet.DefaultBufferKeys, long maxRunKeys = DiskKeySet.DefaultMaxRunKeys)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferKeys, 1);
        _directory = directory;
        Directory.CreateDirectory(directory);
        try
        {
            for (var p = 0; p < Partitions; p++)
            {
                // Thresholds from 2/3 to 4/3 of an even share: partitions fill at the same pace (hash keys), so equal
                // thresholds would have all of them write, and then merge, in the same apply.
                var threshold = (long)bufferKeys * (2 * (Partitions - 1) + 2 * p) / (3L * Partitions * (Partitions - 1));
                _parts[p] = new DiskKeySet(Path.Combine(directory, p.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)),
                    (int)Math.Max(1, threshold), maxRunKeys);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Keys held; a key added again after its run was written counts twice until the runs merge.</summary>
    public long Count => _parts.Sum(p => p.Count);

    /// <summary>The most runs a lookup reads.</summary>
    public int MaxRunsPerLookup => _parts.Max(p => p.RunCount);

    public int BufferedCount => _parts.Sum(p => p.BufferedCount);

    public bool Contains(ulong key) => _parts[Partition(key)].Contains(key);

    /// <summary>Adds a key; its partition writes a run when its buffer is full.</summary>
    public void Add(ulong key) => _parts[Partition(key)].Add(key);

    /// <summary>Writes every partition's buffered keys as runs.</summary>
    public void Flush()
    {
        foreach (var part in _parts) part.Flush();
    }

    /// <summary>Unmaps and deletes every run and the directory.</summary>
    public void Dispose()
    {
        foreach (var part in _parts) part?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or left for the store to delete when it next opens.
        }
    }

    private static int Partition(ulong key) => (int)(key >> (64 - PartitionBits));
}
