namespace Veil.Core.Privacy;

/// <summary>
/// Strings of repeated values the pipeline makes from spans (minimised URLs, referrer hosts), by their chars, so the
/// same "https://shop.example/pricing" is not allocated again for every event. Bounded and direct-mapped like
/// <see cref="ShortTextCache"/>: a slot holds one immutable string, swapped whole, so readers need no lock; a clash
/// only costs a new string. Give it only values that are stored with the events anyway (already minimised), never raw input.
/// </summary>
internal sealed class SharedTextCache
{
    private readonly string?[] _slots;
    private readonly int _maxChars;

    /// <param name="slots">Strings held at most (rounded up to a power of two).</param>
    /// <param name="maxChars">Longer values are made every time.</param>
    public SharedTextCache(int slots, int maxChars)
    {
        _slots = new string?[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slots)];
        _maxChars = maxChars;
    }

    /// <summary>A string equal to <paramref name="text"/>.</summary>
    public string Get(ReadOnlySpan<char> text)
    {
        if (text.Length > _maxChars || text.IsEmpty) return text.ToString();
        // string.GetHashCode is randomised per process, so nobody can aim values at one slot from outside.
        var slot = string.GetHashCode(text) & (_slots.Length - 1);
        var held = Volatile.Read(ref _slots[slot]);
        if (held is not null && text.SequenceEqual(held)) return held;
        var made = text.ToString();
        Volatile.Write(ref _slots[slot], made);
        return made;
    }
}
