using System.Buffers.Binary;
using System.Globalization;

namespace Veil.Core.Privacy;

/// <summary>
/// A 128-bit keyed pseudonym of an identifier: the first 16 bytes of
/// HMAC-SHA256(project pseudonym key, identifier). The only form in which Veil stores identifiers.
/// </summary>
public readonly record struct Pseudonym(UInt128 Value)
{
    /// <summary>Reads a pseudonym from its 16 big-endian bytes.</summary>
    public static Pseudonym FromBytes(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    /// <summary>Writes the 16 big-endian bytes of this pseudonym.</summary>
    public void WriteBytes(Span<byte> destination) =>
        BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    /// <summary>The pseudonym as a <see cref="Guid"/> whose canonical text equals <see cref="ToString"/>.</summary>
    public Guid ToGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteBytes(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Reads a pseudonym back from the <see cref="Guid"/> made by <see cref="ToGuid"/>.</summary>
    public static Pseudonym FromGuid(Guid guid)
    {
        Span<byte> bytes = stackalloc byte[16];
        guid.TryWriteBytes(bytes, bigEndian: true, out _);
        return FromBytes(bytes);
    }

    /// <summary>32 lower-case hex digits.</summary>
    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>Parses the 32-hex-digit form (with or without UUID dashes).</summary>
    public static bool TryParse(string? text, out Pseudonym pseudonym)
    {
        pseudonym = default;
        if (text is null) return false;
        var hex = text.Replace("-", "", StringComparison.Ordinal);
        if (hex.Length != 32) return false;
        if (!UInt128.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v)) return false;
        pseudonym = new Pseudonym(v);
        return true;
    }
}
