namespace Veil.Security.Guard;

/// <summary>
/// Distinct persons and rows within a sliding window, kept as fixed-width time slots (a timing wheel): each slot holds the
/// persons seen in it; a reference count per person says in how many live slots it appears.
/// </summary>
internal sealed class SlidingDistinctWindow(TimeSpan window, int slots)
{
    private readonly long _slotTicks = window.Ticks / slots;
    private readonly Queue<Slot> _slots = new();
    private readonly Dictionary<UInt128, int> _counts = [];
    private Slot? _tail;
    private long _rows;

    /// <summary>Distinct persons in the window at the last <see cref="Expire"/>.</summary>
    public int Persons => _counts.Count;

    /// <summary>Rows in the window at the last <see cref="Expire"/>.</summary>
    public long Rows => _rows;

    /// <summary>Drops slots older than the window ending at <paramref name="now"/>.</summary>
    public void Expire(DateTimeOffset now)
    {
        var oldest = now.UtcTicks / _slotTicks - slots + 1;
        while (_slots.Count > 0 && _slots.Peek().Index < oldest)
        {
            var slot = _slots.Dequeue();
            if (ReferenceEquals(slot, _tail)) _tail = null;
            _rows -= slot.Rows;
            foreach (var p in slot.Persons)
            {
                if (--_counts[p] == 0) _counts.Remove(p);
            }
        }
    }

    /// <summary>How many of <paramref name="subjects"/> are not yet in the window.</summary>
    public int CountNew(IReadOnlyList<UInt128> subjects)
    {
        var fresh = 0;
        foreach (var s in subjects)
        {
            if (!_counts.ContainsKey(s)) fresh++;
        }
        return fresh;
    }

    /// <summary>Adds a read at <paramref name="now"/>.</summary>
    public void Add(DateTimeOffset now, IReadOnlyList<UInt128> subjects, long rows)
    {
        var index = now.UtcTicks / _slotTicks;
        if (_tail is null || _tail.Index != index)
        {
            _tail = new Slot(index);
            _slots.Enqueue(_tail);
        }
        foreach (var s in subjects)
        {
            if (_tail.Persons.Add(s)) _counts[s] = _counts.GetValueOrDefault(s) + 1;
        }
        _tail.Rows += rows;
        _rows += rows;
    }

    private sealed class Slot(long index)
    {
        public long Index { get; } = index;
        public HashSet<UInt128> Persons { get; } = [];
        public long Rows { get; set; }
    }
}
