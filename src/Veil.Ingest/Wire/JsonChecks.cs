using System.Buffers;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>
/// Shape checks on decoded JSON that every wire adapter needs: property names safe to use as column names and JSON
/// paths downstream, nesting, sizes, duplicate keys, and strings that cannot be turned into .NET strings.
/// Works on raw UTF-8 so the happy path allocates nothing.
/// </summary>
internal static class JsonChecks
{
    private const string NameRule = "quotes, backslashes, semicolons, backticks and control characters are not allowed in property names";

    // Bytes that end the fast path of a raw property name: forbidden ASCII (quote and backslash only appear escaped
    // in raw JSON, so a backslash means "unescape and check the text"), and C2, the lead byte of C1 controls.
    private static readonly SearchValues<byte> NameScanBytes = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (byte)i), (byte)'"', (byte)'\'', (byte)'\\', (byte)';', (byte)'`', 0x7F, 0xC2]);

    private static readonly SearchValues<char> ForbiddenNameChars = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (char)i), '"', '\'', '\\', ';', '`', (char)0x7F]);

    /// <summary>"a string", "an object", … for messages.</summary>
    public static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The element's JSON text, shortened, for quoting client input in a message.</summary>
    public static string Display(JsonElement value, int maxChars = 60)
    {
        if (value.ValueKind == JsonValueKind.Undefined) return "nothing";
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var text = Encoding.UTF8.GetString(raw.Length > maxChars * 4 ? raw[..(maxChars * 4)] : raw);
        return text.Length > maxChars ? string.Concat(text.AsSpan(0, maxChars), "…") : text;
    }

    /// <summary>Raw text of a property name for messages (escapes kept, so never throws).</summary>
    public static string DisplayName(ReadOnlySpan<byte> rawName, int maxChars = 80)
    {
        var text = Encoding.UTF8.GetString(rawName.Length > maxChars * 4 ? rawName[..(maxChars * 4)] : rawName);
        return text.Length > maxChars ? string.Concat(text.AsSpan(0, maxChars), "…") : text;
    }

    /// <summary>The string value, or null when not a string or not representable (an unpaired surrogate escape).</summary>
    public static string? TryGetString(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String) return null;
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (raw.IndexOf((byte)'\\') >= 0 && HasUnpairedSurrogateEscape(raw)) return null;
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Length in UTF-8 bytes of a string element's value (after unescaping).</summary>
    public static int Utf8Length(JsonElement value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var content = raw.Length >= 2 ? raw[1..^1] : raw;
        if (content.IndexOf((byte)'\\') < 0) return content.Length;
        var text = TryGetString(value);
        return text is null ? content.Length : Encoding.UTF8.GetByteCount(text);
    }

    /// <summary>True when <paramref name="raw"/> (escaped JSON text) has a <c>\uD8xx</c>/<c>\uDCxx</c> escape without its partner.</summary>
    public static bool HasUnpairedSurrogateEscape(ReadOnlySpan<byte> raw)
    {
        var i = raw.IndexOf((byte)'\\');
        while (i >= 0 && i + 1 < raw.Length)
        {
            if (raw[i + 1] != (byte)'u')
            {
                i += 2;
            }
            else
            {
                if (i + 6 > raw.Length || !TryHex4(raw.Slice(i + 2, 4), out var unit)) return false;
                if (unit is >= 0xD800 and <= 0xDBFF)
                {
                    if (i + 12 > raw.Length || raw[i + 6] != (byte)'\\' || raw[i + 7] != (byte)'u'
                        || !TryHex4(raw.Slice(i + 8, 4), out var low) || low is < 0xDC00 or > 0xDFFF)
                        return true;
                    i += 12;
                }
                else if (unit is >= 0xDC00 and <= 0xDFFF)
                {
                    return true;
                }
                else
                {
                    i += 6;
                }
            }
            if (i >= raw.Length) break;
            var next = raw[i..].IndexOf((byte)'\\');
            if (next < 0) break;
            i += next;
        }
        return false;
    }

    /// <summary>
    /// Whether a property is named <paramref name="name"/>: a byte compare of the raw name, unescaping only when the
    /// raw name has escapes (callers rule out unpaired surrogate escapes first, on which unescaping throws).
    /// </summary>
    public static bool NameIs(JsonProperty property, ReadOnlySpan<byte> rawName, ReadOnlySpan<byte> name) =>
        rawName.IndexOf((byte)'\\') < 0 ? rawName.SequenceEqual(name) : property.NameEquals(name);

    /// <summary>Checks a name given as text (e.g. an <c>$unset</c> entry); null when fine, else the reason.</summary>
    public static string? CheckNameText(string name, int maxBytes)
    {
        if (name.Length == 0) return "is empty";
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > maxBytes) return $"is {bytes} bytes long; the limit is {maxBytes}";
        var bad = name.AsSpan().IndexOfAny(ForbiddenNameChars);
        if (bad >= 0) return $"contains {DescribeChar(name[bad])}; {NameRule}";
        foreach (var c in name)
        {
            if (char.IsControl(c)) return $"contains {DescribeChar(c)}; {NameRule}";
        }
        return null;
    }

    /// <summary>Checks a property name from its raw (escaped) UTF-8; outputs a hash of the unescaped name for duplicate detection.</summary>
    private static string? CheckName(JsonProperty property, ReadOnlySpan<byte> raw, int maxBytes, out ulong hash)
    {
        hash = 0;
        if (raw.Length == 0) return "is empty";
        // One vectorised scan finds forbidden bytes, escapes (slow path) and C2, the lead byte of C1 controls.
        var at = raw.IndexOfAny(NameScanBytes);
        while (at >= 0)
        {
            var b = raw[at];
            if (b == (byte)'\\') return CheckEscapedName(property, raw, maxBytes, out hash);
            if (b != 0xC2) return $"contains {DescribeChar((char)b)}; {NameRule}";
            // C1 control characters U+0080..U+009F are C2 80..C2 9F in UTF-8.
            if (at + 1 < raw.Length && raw[at + 1] is >= 0x80 and <= 0x9F) return $"contains {DescribeChar((char)raw[at + 1])}; {NameRule}";
            var next = raw[(at + 1)..].IndexOfAny(NameScanBytes);
            at = next < 0 ? -1 : at + 1 + next;
        }
        if (raw.Length > maxBytes) return $"is {raw.Length} bytes long; the limit is {maxBytes}";
        hash = XxHash3.HashToUInt64(raw);
        return null;
    }

    private static string? CheckEscapedName(JsonProperty property, ReadOnlySpan<byte> raw, int maxBytes, out ulong hash)
    {
        hash = 0;
        if (HasUnpairedSurrogateEscape(raw)) return "contains an unpaired UTF-16 surrogate escape";
        var name = property.Name;
        var reason = CheckNameText(name, maxBytes);
        if (reason is not null) return reason;
        hash = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(name));
        return null;
    }

    private static string DescribeChar(char c) => c switch
    {
        '\'' => "a single quote (')",
        '"' => "a double quote (\")",
        '\\' => "a backslash",
        ';' => "a semicolon",
        '`' => "a backtick",
        '\0' => "a NUL character",
        _ => $"the control character U+{(int)c:X4}",
    };

    /// <summary>
    /// Checks an object of properties (an event's <c>properties</c>, a profile operation's value) and everything under
    /// it. Returns false with the path under <paramref name="obj"/> (e.g. <c>.a.b[2]</c>, or "" for the object
    /// itself) and the reason of the first problem.
    /// </summary>
    public static bool TryFindProblem(JsonElement obj, int maxKeys, WireLimits limits, out string path, out string reason)
    {
        var problem = CheckObject(obj, objectDepth: 0, maxKeys, limits, out path);
        reason = problem ?? "";
        return problem is not null;
    }

    /// <summary>Like <see cref="TryFindProblem"/> for a value of any kind (a <c>$delete</c> value, a list).</summary>
    public static bool TryFindValueProblem(JsonElement value, WireLimits limits, out string path, out string reason)
    {
        var problem = value.ValueKind == JsonValueKind.Object
            ? CheckObject(value, objectDepth: 0, limits.MaxObjectKeys, limits, out path)
            : CheckValue(value, objectDepth: 0, limits, out path);
        reason = problem ?? "";
        return problem is not null;
    }

    private static string? CheckObject(JsonElement obj, int objectDepth, int maxKeys, WireLimits limits, out string path)
    {
        path = "";
        var count = obj.GetPropertyCount();
        if (count > maxKeys) return TooManyProperties(count, maxKeys);
        ulong[]? rented = null;
        try
        {
            var slots = NameTableSlots(count);
            var table = slots <= 512 ? stackalloc ulong[slots] : (rented = ArrayPool<ulong>.Shared.Rent(slots)).AsSpan(0, slots);
            if (rented is not null) table.Clear();
            foreach (var property in obj.EnumerateObject())
            {
                var problem = CheckProperty(property, JsonMarshal.GetRawUtf8PropertyName(property), table, objectDepth, limits, out path);
                if (problem is not null) return problem;
            }
            return null;
        }
        finally
        {
            if (rented is not null) ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary>The problem of an object with more than <paramref name="maxKeys"/> properties.</summary>
    public static string TooManyProperties(int count, int maxKeys) => $"has {count} properties; the limit is {maxKeys}";

    /// <summary>
    /// Size of the duplicate-name table <see cref="CheckProperty"/> needs for an object of <paramref name="count"/>
    /// properties (0 for one or none): an open-addressed set of name hashes, at most half full. 64-bit XxHash3
    /// collisions are not a practical concern (a forged collision only gets the sender's own item rejected).
    /// </summary>
    public static int NameTableSlots(int count) => count <= 1 ? 0 : (int)BitOperations.RoundUpToPowerOf2((uint)count * 2);

    /// <summary>
    /// One property of an object as <see cref="TryFindProblem"/> checks it (name, duplicates through
    /// <paramref name="nameTable"/>, which starts zeroed, and the value under it), for a caller that walks the object
    /// itself; <paramref name="rawName"/> is the property's raw name. Null when fine, else the reason, with the path
    /// under the object in <paramref name="path"/>.
    /// </summary>
    public static string? CheckProperty(JsonProperty property, ReadOnlySpan<byte> rawName, Span<ulong> nameTable, int objectDepth, WireLimits limits, out string path)
    {
        var reason = CheckName(property, rawName, limits.MaxNameBytes, out var hash);
        if (reason is null && nameTable.Length > 0 && !AddHash(nameTable, hash)) reason = "appears more than once";
        if (reason is not null)
        {
            path = "." + DisplayName(rawName);
            return "property name " + reason;
        }
        var inner = CheckValue(property.Value, objectDepth, limits, out var innerPath);
        if (inner is not null)
        {
            path = "." + DisplayName(rawName) + innerPath;
            return inner;
        }
        path = "";
        return null;
    }

    private static string? CheckValue(JsonElement value, int objectDepth, WireLimits limits, out string path)
    {
        path = "";
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                if (objectDepth + 1 > limits.MaxObjectDepth) return $"nests objects more than {limits.MaxObjectDepth} levels deep";
                return CheckObject(value, objectDepth + 1, limits.MaxObjectKeys, limits, out path);
            case JsonValueKind.Array:
                var length = value.GetArrayLength();
                if (length > limits.MaxArrayItems) return $"has {length} items; the limit is {limits.MaxArrayItems}";
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    var inner = CheckValue(item, objectDepth, limits, out var innerPath);
                    if (inner is not null)
                    {
                        path = $"[{i}]{innerPath}";
                        return inner;
                    }
                    i++;
                }
                return null;
            case JsonValueKind.String:
                return CheckString(value, limits.MaxPropertyValueBytes);
            default:
                return null;
        }
    }

    /// <summary>Null when the string value is storable and within <paramref name="maxBytes"/>, else the reason.</summary>
    public static string? CheckString(JsonElement value, int maxBytes)
    {
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var content = raw[1..^1];
        var escaped = content.IndexOf((byte)'\\') >= 0;
        if (escaped && HasUnpairedSurrogateEscape(content)) return "contains an unpaired UTF-16 surrogate escape";
        // The escaped length bounds the unescaped one from above, so only long escaped strings need decoding.
        if (content.Length <= maxBytes) return null;
        var bytes = escaped ? Utf8Length(value) : content.Length;
        return bytes > maxBytes ? $"is {bytes} bytes long; the limit for a value is {maxBytes} bytes" : null;
    }

    private static bool AddHash(Span<ulong> table, ulong hash)
    {
        if (hash == 0) hash = 1;
        var mask = table.Length - 1;
        var i = (int)(hash & (ulong)mask);
        while (table[i] != 0)
        {
            if (table[i] == hash) return false;
            i = (i + 1) & mask;
        }
        table[i] = hash;
        return true;
    }

    private static bool TryHex4(ReadOnlySpan<byte> hex, out int value)
    {
        value = 0;
        foreach (var c in hex)
        {
            int digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0) return false;
            value = (value << 4) | digit;
        }
        return true;
    }
}
