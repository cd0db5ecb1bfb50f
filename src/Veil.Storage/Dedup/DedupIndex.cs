namespace Veil.Storage.Dedup;

/// <summary>
/// The dedup keys of recently touched (project, UTC day) pairs as Bloom filters (<see cref="KeyFilter"/>, ~2 bytes
/// per key), loaded lazily from the store the first time a day is seen and evicted whole, least recently used first,
/// beyond a budget. A key the filter has certainly not seen is new; one it may have seen is <see cref="DedupVerdict.Unsure"/>
/// and the store settles it with a query (true retries, and about 0.1% of new keys). Keys of the current apply are
/// also held exactly, so duplicates inside one apply never need the store. Dedup stays exact while memory per key is
/// a fraction of an exact set's. A day whose filter reaches the whole key budget stops growing ("saturated"): from
/// then on every key of that day is unsure and settled by the store, so a day of any volume holds bounded memory.
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
    /// Classifies <paramref name="key"/> for the day, loading the day from the store first if it is not in memory.
    /// <see cref="DedupVerdict.New"/> records it as pending.
    /// </summary>
    public DedupVerdict Check(int projectId, DateOnly day, ulong key)
    {
        var node = Touch(projectId, day);
        if (node.Value.Pending.Contains(key)) return DedupVerdict.Duplicate;
        if (node.Value.Saturated || node.Value.Keys.MayContain(key)) return DedupVerdict.Unsure;
        Record(node.Value, key);
        return DedupVerdict.New;
    }

    /// <summary>
    /// Records a key <see cref="Check"/> called unsure after the store confirmed it is not stored; false if this apply
    /// already recorded it (a duplicate inside the apply).
    /// </summary>
    public bool AddUnsure(int projectId, DateOnly day, ulong key)
    {
        var node = Touch(projectId, day);
        if (node.Value.Pending.Contains(key)) return false;
        Record(node.Value, key);
        return true;
    }

    /// <summary>The keys added since the last commit are stored durably: keep them, then trim to budget.</summary>
    public void Commit()
    {
        foreach (var id in _touched)
        {
            if (_days.TryGetValue(id, out var node)) node.Value.Pending.Clear();
        }
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

    private LinkedListNode<Day> Touch(int projectId, DateOnly day)
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
            node = _lru.AddFirst(Load(id));
            _days.Add(id, node);
            KeyCount += node.Value.Keys.Count;
        }
        _touched.Add(id);
        return node;
    }

    private void Record(Day day, ulong key)
    {
        day.Pending.Add(key);
        if (day.Saturated) return;
        day.Keys.Add(key);
        KeyCount++;
        day.Saturated = day.Keys.Count >= _maxKeys;
    }

    private Day Load((int Project, DateOnly Day) id)
    {
        Loads++;
        var keys = _loadDay(id.Project, id.Day).Take(checked((int)Math.Min(_maxKeys, int.MaxValue))).ToList();
        var filter = new KeyFilter(keys.Count * 2);
        foreach (var key in keys) filter.Add(key);
        // A day with at least the whole budget stored is settled by the store key by key.
        return new Day(id, filter, new UInt64Set()) { Saturated = keys.Count >= _maxKeys };
    }

    private void Evict(LinkedListNode<Day> node)
    {
        _lru.Remove(node);
        _days.Remove(node.Value.Id);
        KeyCount -= node.Value.Keys.Count;
    }

    // Keys: every key stored or pending (filter), unless Saturated; Pending: this apply's keys, exactly.
    private sealed record Day((int Project, DateOnly Day) Id, KeyFilter Keys, UInt64Set Pending)
    {
        public bool Saturated { get; set; }
    }
}
