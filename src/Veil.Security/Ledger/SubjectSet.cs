using System.Buffers.Binary;
using System.Security.Cryptography;
using Veil.Core.Privacy;

namespace Veil.Security.Ledger;

/// <summary>
/// The exact set of persons whose individual-level data a read returned: sorted distinct pseudonyms with a SHA-256
/// commitment over the sorted 16-byte big-endian values. Stored compactly: LEB128 deltas when the values are dense
/// (small internal ids), else the sorted values themselves (random 128-bit pseudonyms do not shrink by delta coding).
/// </summary>
public sealed class SubjectSet
{
    private readonly UInt128[] _sorted;

    private SubjectSet(UInt128[] sorted) => _sorted = sorted;

    /// <summary>No subjects (aggregates, thresholded results).</summary>
    public static SubjectSet Empty { get; } = new([]);

    /// <summary>Distinct persons in the set.</summary>
    public int Count => _sorted.Length;

    /// <summary>The pseudonyms, ascending.</summary>
    public IReadOnlyList<UInt128> Values => _sorted;

    /// <summary>The set of <paramref name="subjects"/>, duplicates removed.</summary>
    public static SubjectSet Of(IEnumerable<Pseudonym> subjects)
    {
        var values = subjects.Select(s => s.Value).ToArray();
        if (values.Length == 0) return Empty;
        Array.Sort(values);
        var distinct = 1;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] != values[distinct - 1]) values[distinct++] = values[i];
        }
        return new SubjectSet(distinct == values.Length ? values : values[..distinct]);
    }

    /// <summary>SHA-256 over the sorted pseudonyms, each 16 bytes big-endian.</summary>
    public byte[] Commitment()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[16];
        foreach (var value in _sorted)
        {
            BinaryPrimitives.WriteUInt128BigEndian(buffer, value);
            sha.AppendData(buffer);
        }
        return sha.GetHashAndReset();
    }

    /// <summary>The compact form: a format byte (0 = sorted 16-byte values, 1 = LEB128 deltas), then the values.</summary>
    public byte[] Encode()
    {
        if (_sorted.Length == 0) return [];
        var deltas = EncodeDeltas();
        if (deltas.Length < 16 * _sorted.Length) return [1, .. deltas];
        var raw = new byte[1 + 16 * _sorted.Length];
        for (var i = 0; i < _sorted.Length; i++) BinaryPrimitives.WriteUInt128BigEndian(raw.AsSpan(1 + 16 * i), _sorted[i]);
        return raw;
    }

    // Each value minus its predecessor (the first minus zero), as LEB128.
    private byte[] EncodeDeltas()
    {
        var output = new List<byte>(_sorted.Length * 4);
        var previous = UInt128.Zero;
        foreach (var value in _sorted)
        {
            var delta = value - previous;
            previous = value;
            do
            {
                var b = (byte)(delta & 0x7F);
                delta >>= 7;
                output.Add(delta == 0 ? b : (byte)(b | 0x80));
            }
            while (delta != 0);
        }
        return [.. output];
    }

    /// <summary>Reverses <see cref="Encode"/>; throws <see cref="FormatException"/> on malformed bytes.</summary>
    public static SubjectSet Decode(ReadOnlySpan<byte> encoded, int count)
    {
        if (count == 0)
        {
            if (!encoded.IsEmpty) throw new FormatException("Subject bytes present for an empty set.");
            return Empty;
        }
        if (count < 0) throw new FormatException("Missing subject bytes.");
        var values = new UInt128[count];
        DecodeTo(encoded, values);
        return new SubjectSet(values);
    }

    /// <summary>
    /// <see cref="Decode"/> into <paramref name="destination"/> (its length is the count), for readers that gather many
    /// sets (incident reports) without a set object per entry. Same checks, same exceptions.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static void DecodeTo(ReadOnlySpan<byte> encoded, Span<UInt128> destination)
    {
        var count = destination.Length;
        if (count == 0)
        {
            if (!encoded.IsEmpty) throw new FormatException("Subject bytes present for an empty set.");
            return;
        }
        if (encoded.IsEmpty) throw new FormatException("Missing subject bytes.");
        var format = encoded[0];
        encoded = encoded[1..];
        if (format == 0)
        {
            if (encoded.Length != 16 * count) throw new FormatException("Subject bytes do not match the count.");
            for (var i = 0; i < count; i++)
            {
                destination[i] = BinaryPrimitives.ReadUInt128BigEndian(encoded.Slice(16 * i, 16));
                if (i > 0 && destination[i] <= destination[i - 1]) throw new FormatException("Subject set is not strictly ascending.");
            }
            return;
        }
        if (format != 1) throw new FormatException($"Unknown subject set format {format}.");
        var previous = UInt128.Zero;
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            UInt128 delta = 0;
            var shift = 0;
            while (true)
            {
                if (position >= encoded.Length || shift > 126) throw new FormatException("Truncated or oversized subject delta.");
                var b = encoded[position++];
                delta |= (UInt128)(b & 0x7F) << shift;
                shift += 7;
                if ((b & 0x80) == 0) break;
            }
            if (i > 0 && delta == 0) throw new FormatException("Subject set is not strictly ascending.");
            previous += delta;
            destination[i] = previous;
        }
        if (position != encoded.Length) throw new FormatException("Trailing bytes after the subject set.");
    }
}
