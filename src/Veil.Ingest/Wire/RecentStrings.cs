using System.Runtime.InteropServices;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>
/// Reuses the string for values that repeat across the items of one request (the token, common event names), so a
/// 2000-event batch does not allocate 2000 copies of the same token. Not thread-safe; one per request.
/// </summary>
internal sealed class RecentStrings
{
    // Sixteen: a shop's ten or so event names must not evict each other (a miss costs a string and a copy).
    private readonly byte[]?[] _utf8 = new byte[16][];
    private readonly string?[] _strings = new string[16];
    private int _next;

    /// <summary>The string value of a JSON string element that <see cref="JsonChecks.TryGetString"/> accepts.</summary>
    public string? Get(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String) return null;
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var content = raw[1..^1];
        if (content.IndexOf((byte)'\\') >= 0 || content.Length > 256) return JsonChecks.TryGetString(value);
        for (var i = 0; i < _utf8.Length; i++)
        {
            if (_utf8[i] is { } cached && content.SequenceEqual(cached)) return _strings[i];
        }
        var text = JsonChecks.TryGetString(value);
        if (text is null) return null;
        var slot = _next++ & (_utf8.Length - 1);
        _utf8[slot] = content.ToArray();
        _strings[slot] = text;
        return text;
    }
}
