namespace Veil.Storage.Dedup;

/// <summary>
/// The dedup keys of recently touched (project, UTC day) pairs, loaded lazily from the store the first time a
/// day is seen and evicted whole, least recently used first, beyond a budget. Because a day is either fully
/// loaded or absent, dedup is exact for any day while memory stays bounded.
/// </summary>
/// <remarks>
/// Used by the single store writer. Keys added during an apply are provisional: <see cref="Commit"/> accepts
/// them once the store transaction is durable, <see cref="Abort"/> drops every day the apply touched so the
/// next use reloads it from the store (the source of truth). Days touched by the current apply are never
/// evicted before it ends, so a day cannot be reloaded without the apply's own pending keys.
/// </remarks>
internal sealed class DedupIndex
{
    private readonly Func<int, DateOnly, IEnumerable<ulong>> _loadDay;
    private readonly int _maxDays;
    private readonly long _maxKeys;
    private readonly Dictionary<(int Project, DateOnly Day), LinkedListNode<Day>> _days = [];
    private readonly LinkedList<Day> _lru = new(); // most recently used first
    private readonly HashSet<(int Project, DateOnly Day)> _touched = [];

    /// <param name="loadDay">Returns every dedup key stored for a project on a UTC day.</param>
    /// <param name="maxDays">Days kept after an apply (the days of the latest apply are always kept).</param>
    /// <param name="maxKeys">Keys kept after an apply, over all days.</param>
    public DedupIndex(Func<int, DateOnly, IEnumerable<ulong>> loadDay, int maxDays, long maxKeys)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDays, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        _loadDay = loadDay;
        _maxDays = maxDays;
        _maxKeys = maxKeys;
    }

    public int DayCount => _days.Count;

    public long KeyCount { get; private set; }

    /// <summary>How many days were loaded from the store so far.</summary>
    public long Loads { get; private set; }

    /// <summary>
    /// Records <paramref name="key"/> for the day; false if that day already holds it (a duplicate).
    /// Loads the day from the store first if it is not in memory.
    /// </summary>
    public bool TryAdd(int projectId, DateOnly day, ulong key)
    {
        var id = (projectId, day);
        if (_days.TryGetValue(id, out var node))
        {
            if (!ReferenceEquals(_lru.First, node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
            }
        }
        else
        {
            node = _lru.AddFirst(new Day(id, Load(projectId, day)));
            _days.Add(id, node);
            KeyCount += node.Value.Keys.Count;
        }
        _touched.Add(id);
        if (!node.Value.Keys.Add(key)) return false;
        KeyCount++;
        return true;
    }

    /// <summary>The keys added since the last commit are stored durably: keep them, then trim to budget.</summary>
    public void Commit()
    {
        while ((_days.Count > _maxDays || KeyCount > _maxKeys) && _lru.Last is { } last && !_touched.Contains(last.Value.Id))
        {
            Evict(last);
        }
        _touched.Clear();
    }

    /// <summary>The store rolled back: forget every day touched since the last commit.</summary>
    public void Abort()
    {
        foreach (var id in _touched)
        {
            if (_days.TryGetValue(id, out var node)) Evict(node);
        }
        _touched.Clear();
    }

    private UInt64Set Load(int projectId, DateOnly day)
    {
        Loads++;
        var keys = new UInt64Set();
        foreach (var key in _loadDay(projectId, day)) keys.Add(key);
        return keys;
    }

    private void Evict(LinkedListNode<Day> node)
    {
        _lru.Remove(node);
        _days.Remove(node.Value.Id);
        KeyCount -= node.Value.Keys.Count;
    }

    private sealed record Day((int Project, DateOnly Day) Id, UInt64Set Keys);
}
