using System.Text;

namespace Veil.Core.Privacy;

/// <summary>
/// Strings of the stored event's low-cardinality columns (browser, OS, library and its version; when the store writer
/// decodes WAL records, also event names, countries and the like) by their UTF-8 bytes, so the same "Chrome" is not
/// made again for every event. Bounded and direct-mapped: a slot holds one immutable
/// entry, swapped whole, so readers need no lock; a clash only costs a new string. Holds nothing that is not stored
/// with the events anyway.
/// </summary>
internal sealed class ShortTextCache
{
    /// <summary>Longer values are made every time (and are not typical of these columns).</summary>
    public const int MaxBytes = 64;

    private readonly Entry?[] _slots;

    public ShortTextCache(int slots) => _slots = new Entry?[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)slots)];

    /// <summary>The text of <paramref name="utf8"/> (as <see cref="Encoding.UTF8"/> decodes it; no JSON unescaping).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes) return Encoding.UTF8.GetString(utf8);
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var slot = hash.ToHashCode() & (_slots.Length - 1);
        var entry = Volatile.Read(ref _slots[slot]);
        if (entry is not null && utf8.SequenceEqual(entry.Utf8)) return entry.Text;
        var text = Encoding.UTF8.GetString(utf8);
        Volatile.Write(ref _slots[slot], new Entry(utf8.ToArray(), text));
        return text;
    }

    private sealed class Entry(byte[] utf8, string text)
    {
        public byte[] Utf8 { get; } = utf8;
        public string Text { get; } = text;
    }
}
