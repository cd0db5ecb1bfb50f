using System.Buffers;
using System.Buffers.Text;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// JSON web tokens: three base64url segments joined by dots, the first decoding to a JSON object with an
/// <c>alg</c> member. Every such header starts with <c>eyJ</c> (base64 of <c>{"</c>), which is what is searched for.
/// </summary>
internal static class JwtFinder
{
    private const int MaxHeaderChars = 1024;

    public static void Find(ReadOnlySpan<char> s, ref HitBuffer hits)
    {
        var from = 0;
        while (from < s.Length)
        {
            var offset = s[from..].IndexOf("eyJ", StringComparison.Ordinal);
            if (offset < 0) return;
            var start = from + offset;
            from = start + 3;
            if (start > 0 && (PiiText.IsBase64UrlChar(s[start - 1]) || s[start - 1] == '.')) continue;
            var headerEnd = SegmentEnd(s, start);
            if (headerEnd >= s.Length || s[headerEnd] != '.') continue;
            var payloadEnd = SegmentEnd(s, headerEnd + 1);
            if (payloadEnd - headerEnd < 3 || payloadEnd >= s.Length || s[payloadEnd] != '.') continue;
            var end = SegmentEnd(s, payloadEnd + 1);
            // Four or more segments are not a compact JWS; a lone trailing full stop ends a sentence.
            if (end + 1 < s.Length && s[end] == '.' && PiiText.IsBase64UrlChar(s[end + 1])) continue;
            if (!HeaderHasAlg(s[start..headerEnd])) continue;
            hits.Add(PiiDetector.Jwt, start, end - start);
            from = end;
        }
    }

    private static int SegmentEnd(ReadOnlySpan<char> s, int pos)
    {
        while (pos < s.Length && PiiText.IsBase64UrlChar(s[pos])) pos++;
        return pos;
    }

    /// <summary>
    /// Whether the header decodes to a JSON object with an "alg" member. Checked without a JSON parser or exceptions
    /// (a value can hold thousands of "eyJ…" fragments, and a throw per fragment would make scanning slow).
    /// </summary>
    private static bool HeaderHasAlg(ReadOnlySpan<char> header)
    {
        if (header.Length is < 8 or > MaxHeaderChars) return false;
        Span<byte> utf8 = stackalloc byte[MaxHeaderChars];
        for (var i = 0; i < header.Length; i++) utf8[i] = (byte)header[i]; // base64url characters are ASCII
        Span<byte> json = stackalloc byte[MaxHeaderChars * 3 / 4 + 3];
        if (Base64Url.DecodeFromUtf8(utf8[..header.Length], json, out _, out var written) != OperationStatus.Done) return false;
        var text = json[..written].Trim(" \t\r\n"u8);
        if (text.Length < 2 || text[0] != (byte)'{' || text[^1] != (byte)'}') return false;
        var from = 0;
        while (true)
        {
            var at = text[from..].IndexOf("\"alg\""u8);
            if (at < 0) return false;
            var after = text[(from + at + 5)..].TrimStart(" \t\r\n"u8);
            if (after.Length > 0 && after[0] == (byte)':') return true;
            from += at + 5;
        }
    }
}
