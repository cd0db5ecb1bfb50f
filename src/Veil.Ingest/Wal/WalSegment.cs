namespace Veil.Ingest.Wal;

/// <summary>
/// One segment file as the WAL knows it: its durable length, its last LSN and a sparse LSN→offset index so a
/// reader can start near any record without scanning the whole file. Mutated only under the WAL's lock.
/// </summary>
internal sealed class WalSegment(long firstLsn, string path, long baseOffset)
{
    /// <summary>One index entry per this many bytes: 64 MiB segments need about a thousand entries.</summary>
    public const int IndexInterval = 64 * 1024;

    private readonly List<(long Lsn, long Offset)> _index = [];

    public long FirstLsn { get; } = firstLsn;

    public string Path { get; } = path;

    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Position of this segment's byte 0 in the WAL's running byte count (used for backpressure).</summary>
    public long BaseOffset { get; } = baseOffset;

    /// <summary>Bytes of complete, durable records.</summary>
    public long Length { get; private set; }

    public long LastLsn { get; private set; } = firstLsn - 1;

    public bool IsEmpty => LastLsn < FirstLsn;

    /// <summary>A record starting at or after this offset gets an index entry.</summary>
    public long NextIndexOffset { get; private set; }

    public void AddIndexEntry(long lsn, long offset)
    {
        _index.Add((lsn, offset));
        NextIndexOffset = offset + IndexInterval;
    }

    public void MarkDurable(long lastLsn, long length)
    {
        LastLsn = lastLsn;
        Length = length;
    }

    /// <summary>The indexed record closest before (or at) <paramref name="lsn"/>: where a scan for it should start.</summary>
    public (long Lsn, long Offset) Seek(long lsn)
    {
        int lo = 0, hi = _index.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_index[mid].Lsn <= lsn)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found < 0 ? (FirstLsn, 0) : _index[found];
    }
}
