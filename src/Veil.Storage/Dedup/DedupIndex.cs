using System.Globalization;

namespace Veil.Storage.Dedup;

/// <summary>
/// The dedup keys of recently touched (project, UTC day) pairs, loaded lazily from the store the first time a day is
/// seen and evicted whole, least recently used first, beyond a budget. Keys of the current apply are held exactly
/// ("pending"), so duplicates inside one apply never need the store.
/// <para>
/// With a key directory, each day keeps every stored key exactly in a <see cref="DayKeySet"/> (sorted runs in files,
/// 8 bytes a key, in 16 partitions by key, plus a bounded buffer in memory) and, while it holds fewer than the key budget, also in a Bloom filter
/// (<see cref="KeyFilter"/>, ~2 bytes a key) that answers most lookups without touching the files. A key in neither is
/// new; a key the exact set holds is <see cref="DedupVerdict.Unsure"/> and the store settles it with a query (true
/// retries, and 64-bit hash collisions, which the store's time check tells apart). A day of any volume and any spread of
/// event times therefore costs bounded memory and no store query for new keys.
/// </para>
/// <para>
/// Without a key directory (or if writing it fails) a day has only its Bloom filter: a key it may have seen is unsure
/// (about 0.1–1% of new keys), and a day whose filter reaches the whole key budget stops growing ("saturated"), after
/// which every key of it is unsure.
/// </para>
/// </summary>
/// <remarks>
/// Used by the single store writer. Keys added during an apply are provisional: <see cref="Commit"/> accepts
/// them once the store transaction is durable, <see cref="Abort"/> forgets them. A day with an exact set only drops its
/// pending keys (its filter may keep stale bits, which cost an exact lookup); a day without one is evicted so the next
/// use reloads it from the store (the source of truth). Days touched by the current apply are never evicted before it
/// ends, so a day cannot be reloaded without the apply's own pending keys.
/// </remarks>
internal sealed class DedupIndex
{
    private readonly Func<int, DateOnly, IEnumerable<ulong>> _loadDay;
    private readonly int _maxDays;
    private readonly long _maxKeys;
    private readonly Dictionary<(int Project, DateOnly Day), LinkedListNode<Day>> _days = [];
    private readonly LinkedList<Day> _lru = new(); // most recently used first
    private readonly HashSet<(int Project, DateOnly Day)> _touched = [];
    private readonly string? _keyDirectory;
    private readonly int _bufferKeys;
    private long _nextDirectory;

    /// <param name="loadDay">Returns every dedup key stored for a project on a UTC day.</param>
    /// <param name="maxDays">Days kept after an apply (the days of the latest apply are always kept).</param>
    /// <param name="maxKeys">Keys kept in Bloom filters after an apply, over all days.</param>
    /// <param name="keyDirectory">Where days keep their exact key sets (emptied first); null for Bloom filters only.</param>
    /// <param name="bufferKeys">Keys the exact sets buffer in memory, over all days, before the largest buffers are written.</param>
    public DedupIndex(Func<int, DateOnly, IEnumerable<ulong>> loadDay, int maxDays, long maxKeys, string? keyDirectory = null,
        int bufferKeys = DiskKeySet.DefaultBufferKeys)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDays, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxKeys, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferKeys, 1);
        _loadDay = loadDay;
        _maxDays = maxDays;
        _maxKeys = maxKeys;
        _keyDirectory = keyDirectory;
        _bufferKeys = bufferKeys;
        if (keyDirectory is not null)
        {
            // Left by an earlier process: derived data that may be behind the store, so days are rebuilt on use.
            if (Directory.Exists(keyDirectory)) Directory.Delete(keyDirectory, recursive: true);
            Directory.CreateDirectory(keyDirectory);
        }
    }

    public int DayCount => _days.Count;

    /// <summary>Keys in Bloom filters.</summary>
    public long KeyCount { get; private set; }

    /// <summary>How many days were loaded from the store so far.</summary>
    public long Loads { get; private set; }

    /// <summary>Days with an exact key set on disk.</summary>
    public int ExactDayCount => _lru.Count(d => d.Exact is not null);

    /// <summary>Keys the exact sets hold in memory, not yet written.</summary>
    public long BufferedKeys => _lru.Sum(d => (long)(d.Exact?.BufferedCount ?? 0));

    /// <summary>Times writing a day's exact set failed (the day then relies on its Bloom filter and the store).</summary>
    public long KeyFileFailures { get; private set; }

    /// <summary>
    /// Classifies <paramref name="key"/> for the day, loading the day from the store first if it is not in memory.
    /// <see cref="DedupVerdict.New"/> records it as pending.
    /// </summary>
    public DedupVerdict Check(int projectId, DateOnly day, ulong key)
    {
        var value = Touch(projectId, day).Value;
        if (value.Pending.Contains(key)) return DedupVerdict.Duplicate;
        var maybe = value.Saturated || value.Filter is not { } filter || filter.MayContain(key);
        if (maybe && (value.Exact is null || value.Exact.Contains(key))) return DedupVerdict.Unsure;
        Record(value, key);
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
        List<LinkedListNode<Day>>? failed = null;
        for (var node = _lru.First; node is not null; node = node.Next)
        {
            var day = node.Value;
            if (day.Exact is { } exact && day.Pending.Count > 0)
            {
                try
                {
                    // Enumerated in place: an apply's keys as an array would be a large-object allocation per apply.
                    foreach (var key in day.Pending.Keys()) exact.Add(key);
                }
                catch (Exception)
                {
                    // The store has committed: nothing here may fail the apply, and forgetting a day is always safe.
                    (failed ??= []).Add(node);
                }
            }
            day.Pending.Clear();
        }
        failed = WriteLargestBuffers(failed);
        foreach (var node in failed ?? [])
        {
            // Reloaded from the store on next use.
            KeyFileFailures++;
            Evict(node);
        }
        while ((_days.Count > _maxDays || KeyCount > _maxKeys) && _lru.Last is { } last && !_touched.Contains(last.Value.Id))
        {
            Evict(last);
        }
        _touched.Clear();
    }

    /// <summary>The store rolled back: forget every key added since the last commit.</summary>
    public void Abort()
    {
        foreach (var id in _touched)
        {
            if (!_days.TryGetValue(id, out var node)) continue;
            // An exact set holds committed keys only; a filter's bits cannot be taken back, so without one the day goes.
            if (node.Value.Exact is not null) node.Value.Pending.Clear();
            else Evict(node);
        }
        _touched.Clear();
    }

    /// <summary>Deletes every day's key files.</summary>
    public void Dispose()
    {
        while (_lru.Last is { } last) Evict(last);
        _touched.Clear();
    }

    // Keeps the exact sets' buffers within their budget over all days, writing the largest first.
    private List<LinkedListNode<Day>>? WriteLargestBuffers(List<LinkedListNode<Day>>? failed)
    {
        var buffered = BufferedKeys;
        if (buffered <= _bufferKeys) return failed;
        var largest = new List<LinkedListNode<Day>>();
        for (var node = _lru.First; node is not null; node = node.Next)
        {
            if (node.Value.Exact is { BufferedCount: > 0 } && failed?.Contains(node) != true) largest.Add(node);
        }
        foreach (var node in largest.OrderByDescending(n => n.Value.Exact!.BufferedCount))
        {
            if (buffered <= _bufferKeys / 2) break;
            var exact = node.Value.Exact!;
            buffered -= exact.BufferedCount;
            try
            {
                exact.Flush();
            }
            catch (Exception)
            {
                // As in Commit: after the store committed, a day that cannot be written is forgotten instead.
                (failed ??= []).Add(node);
            }
        }
        return failed;
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
            KeyCount += node.Value.Filter?.Count ?? 0;
        }
        _touched.Add(id);
        return node;
    }

    private void Record(Day day, ulong key)
    {
        day.Pending.Add(key);
        if (day.Saturated || day.Filter is not { } filter) return;
        filter.Add(key);
        KeyCount++;
        if (filter.Count < _maxKeys) return;
        day.Saturated = true;
        if (day.Exact is null) return;
        // The exact set and the pending keys answer alone from now on; the filter's memory goes back to the budget.
        KeyCount -= filter.Count;
        day.Filter = null;
    }

    private Day Load((int Project, DateOnly Day) id)
    {
        Loads++;
        var exact = _keyDirectory is null ? null : NewKeySet(id);
        using var stored = _loadDay(id.Project, id.Day).GetEnumerator();
        var keys = new List<ulong>();
        while (stored.MoveNext())
        {
            var key = stored.Current;
            if (keys.Count < _maxKeys) keys.Add(key);
            else if (exact is null) break; // the filter takes no more
            exact = AddOrGiveUp(exact, key);
        }
        var saturated = keys.Count >= _maxKeys;
        KeyFilter? filter = null;
        if (!saturated || exact is null)
        {
            filter = new KeyFilter(keys.Count * 2);
            foreach (var key in keys) filter.Add(key);
        }
        return new Day(id, new UInt64Set()) { Filter = filter, Exact = exact, Saturated = saturated };
    }

    private DayKeySet? NewKeySet((int Project, DateOnly Day) id)
    {
        var directory = Path.Combine(_keyDirectory!, string.Create(CultureInfo.InvariantCulture, $"{id.Project}-{id.Day:yyyyMMdd}-{_nextDirectory++}"));
        try
        {
            return new DayKeySet(directory, _bufferKeys);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            KeyFileFailures++;
            return null;
        }
    }

    // While loading: a disk that fails (full, unwritable) leaves the day with its filter alone, which is slower but exact.
    private DayKeySet? AddOrGiveUp(DayKeySet? exact, ulong key)
    {
        if (exact is null) return null;
        try
        {
            exact.Add(key);
            return exact;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            KeyFileFailures++;
            exact.Dispose();
            return null;
        }
    }

    private void Evict(LinkedListNode<Day> node)
    {
        _lru.Remove(node);
        _days.Remove(node.Value.Id);
        KeyCount -= node.Value.Filter?.Count ?? 0;
        node.Value.Exact?.Dispose();
    }

    // Filter: every key stored or pending, unless Saturated (null once saturated with an exact set). Exact: every stored
    // key; pending keys join it at commit. Pending: this apply's keys.
    private sealed class Day((int Project, DateOnly Day) id, UInt64Set pending)
    {
        public (int Project, DateOnly Day) Id { get; } = id;

        public UInt64Set Pending { get; } = pending;

        public KeyFilter? Filter { get; set; }

        public DayKeySet? Exact { get; set; }

        public bool Saturated { get; set; }
    }
}
