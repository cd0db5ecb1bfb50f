using System.Text;

namespace Veil.Core.Events;

/// <summary>
/// Decodes short UTF-8 values that repeat across events (event names, countries, browsers, library versions) into
/// one shared string each, so decoding a WAL batch does not allocate the same text thousands of times. A small
/// direct-mapped table per thread: a slot holds the last value whose bytes hashed to it, and a hit is confirmed by
/// comparing the bytes, so the answer is always exactly <see cref="Encoding.UTF8"/>'s.
/// </summary>
internal static class RepeatedStrings
{
    private const int MaxBytes = 64;
    private const int Slots = 512;

    [ThreadStatic]
    private static (byte[] Utf8, string Text)[]? t_slots;

    /// <summary>The string for <paramref name="utf8"/>, shared with earlier equal values on this thread.</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes) return Encoding.UTF8.GetString(utf8);
        var slots = t_slots ??= new (byte[], string)[Slots];
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref slots[hash.ToHashCode() & (Slots - 1)];
        if (slot.Utf8 is not null && utf8.SequenceEqual(slot.Utf8)) return slot.Text;
        var text = Encoding.UTF8.GetString(utf8);
        slot = (utf8.ToArray(), text);
        return text;
    }
}
