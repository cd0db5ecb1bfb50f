namespace Veil.Ingest.Wire;

/// <summary>
/// Reads <c>application/x-www-form-urlencoded</c> bytes (query strings and form bodies) without a framework form
/// parser, so each caller decides what <c>+</c> means: a space in JSON, itself in raw base64 (the Node SDK sends
/// <c>data=</c> un-escaped).
/// </summary>
internal static class FormUrlEncoding
{
    /// <summary>Walks <c>key=value</c> pairs separated by <c>&amp;</c>; ranges index into the original span, still encoded.</summary>
    internal ref struct PairReader(ReadOnlySpan<byte> form)
    {
        private readonly ReadOnlySpan<byte> _form = form;
        private int _position;

        public bool Next(out Range key, out Range value)
        {
            while (_position < _form.Length)
            {
                var start = _position;
                var amp = _form[start..].IndexOf((byte)'&');
                var end = amp < 0 ? _form.Length : start + amp;
                _position = end + 1;
                if (end == start) continue;
                var eq = _form[start..end].IndexOf((byte)'=');
                if (eq < 0)
                {
                    key = start..end;
                    value = end..end;
                }
                else
                {
                    key = start..(start + eq);
                    value = (start + eq + 1)..end;
                }
                return true;
            }
            key = default;
            value = default;
            return false;
        }
    }

    /// <summary>
    /// Percent-decodes <paramref name="source"/> into <paramref name="destination"/> (at least as long; may be the same
    /// memory, decoding only shrinks); malformed escapes stay literal.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination, bool plusIsSpace)
    {
        var written = 0;
        var i = 0;
        while (i < source.Length)
        {
            // Copy the plain run up to the next escape in bulk; most bytes of a base64 or JSON value are plain.
            var rest = source[i..];
            var next = plusIsSpace ? rest.IndexOfAny((byte)'%', (byte)'+') : rest.IndexOf((byte)'%');
            if (next < 0)
            {
                rest.CopyTo(destination[written..]);
                return written + rest.Length;
            }
            rest[..next].CopyTo(destination[written..]);
            written += next;
            i += next;
            if (source[i] == (byte)'+')
            {
                destination[written++] = (byte)' ';
                i++;
            }
            else if (i + 2 < source.Length && TryHex(source[i + 1], source[i + 2], out var decoded))
            {
                destination[written++] = decoded;
                i += 3;
            }
            else
            {
                destination[written++] = (byte)'%';
                i++;
            }
        }
        return written;
    }

    /// <summary>Whether the encoded <paramref name="rawKey"/> decodes to <paramref name="name"/> (ASCII).</summary>
    public static bool KeyEquals(ReadOnlySpan<byte> rawKey, ReadOnlySpan<byte> name)
    {
        if (rawKey.SequenceEqual(name)) return true;
        if (rawKey.Length < name.Length || rawKey.Length > name.Length * 3 || rawKey.IndexOfAny((byte)'%', (byte)'+') < 0) return false;
        Span<byte> decoded = stackalloc byte[rawKey.Length];
        var length = Decode(rawKey, decoded, plusIsSpace: true);
        return decoded[..length].SequenceEqual(name);
    }

    /// <summary>Decodes a short parameter value to text, or null when longer than <paramref name="maxBytes"/>.</summary>
    public static string? DecodeShortValue(ReadOnlySpan<byte> rawValue, int maxBytes)
    {
        if (rawValue.Length > maxBytes * 3) return null;
        Span<byte> decoded = stackalloc byte[rawValue.Length];
        var length = Decode(rawValue, decoded, plusIsSpace: true);
        if (length > maxBytes) return null;
        return System.Text.Encoding.UTF8.GetString(WirePayload.Trim(decoded[..length]));
    }

    private static bool TryHex(byte high, byte low, out byte value)
    {
        var h = HexValue(high);
        var l = HexValue(low);
        value = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
