namespace Veil.Storage.Dedup;

/// <summary>
/// A set of 64-bit keys in one open-addressing array (linear probing): about 8–16 bytes per key instead of
/// the ~24 a <see cref="HashSet{T}"/> entry costs. Zero marks an empty slot, so key 0 is tracked aside.
/// </summary>
internal sealed class UInt64Set
{
    private const int MinSlots = 16;

    private ulong[] _slots;
    private int _used;
    private bool _hasZero;

    public UInt64Set(int expectedCount = 0)
    {
        _slots = new ulong[SlotsFor(expectedCount)];
    }

    public int Count => _used + (_hasZero ? 1 : 0);

    /// <summary>Bytes held by the slot array.</summary>
    public long AllocatedBytes => _slots.LongLength * sizeof(ulong);

    public bool Contains(ulong key)
    {
        if (key == 0) return _hasZero;
        var slots = _slots;
        var mask = slots.Length - 1;
        for (var i = Home(key, mask); ; i = (i + 1) & mask)
        {
            var slot = slots[i];
            if (slot == key) return true;
            if (slot == 0) return false;
        }
    }

    /// <summary>The keys, in no particular order, without copying them; the set must not change meanwhile.</summary>
    public IEnumerable<ulong> Keys()
    {
        if (_hasZero) yield return 0;
        foreach (var slot in _slots)
        {
            if (slot != 0) yield return slot;
        }
    }

    /// <summary>The keys, in no particular order.</summary>
    public ulong[] ToArray()
    {
        var keys = new ulong[Count];
        var at = 0;
        if (_hasZero) keys[at++] = 0;
        foreach (var slot in _slots)
        {
            if (slot != 0) keys[at++] = slot;
        }
        return keys;
    }

    /// <summary>Removes every key and gives back a large array.</summary>
    public void Clear()
    {
        if (_slots.Length > MinSlots) _slots = new ulong[MinSlots];
        else Array.Clear(_slots);
        _used = 0;
        _hasZero = false;
    }

    /// <summary>Adds <paramref name="key"/>; false if it was already present.</summary>
    public bool Add(ulong key)
    {
        if (key == 0)
        {
            if (_hasZero) return false;
            _hasZero = true;
            return true;
        }
        // Grow at 3/4 load so probe chains stay short.
        if ((_used + 1) * 4L > _slots.Length * 3L) Grow();
        if (!Insert(_slots, key)) return false;
        _used++;
        return true;
    }

    private static bool Insert(ulong[] slots, ulong key)
    {
        var mask = slots.Length - 1;
        for (var i = Home(key, mask); ; i = (i + 1) & mask)
        {
            var slot = slots[i];
            if (slot == key) return false;
            if (slot == 0)
            {
                slots[i] = key;
                return true;
            }
        }
    }

    private void Grow()
    {
        var bigger = new ulong[_slots.Length * 2];
        foreach (var key in _slots)
        {
            if (key != 0) Insert(bigger, key);
        }
        _slots = bigger;
    }

    // Fibonacci hashing spreads keys even if a caller feeds poorly mixed values.
    private static int Home(ulong key, int mask) => (int)((key * 0x9E3779B97F4A7C15UL) >> 32) & mask;

    private static int SlotsFor(int count)
    {
        var needed = Math.Max(MinSlots, (long)count * 4 / 3 + 1);
        var slots = MinSlots;
        while (slots < needed) slots *= 2;
        return slots;
    }
}
