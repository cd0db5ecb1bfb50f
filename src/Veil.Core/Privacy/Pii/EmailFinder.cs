namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Email addresses, RFC-ish: a local part of letters (any script), digits and <c>. _ % + - '</c>; a domain of at
/// least two labels whose last label is alphabetic (or punycode). That rejects <c>pkg@1.2.3</c>,
/// <c>user@localhost</c> and asset names such as <c>logo@2x.png</c>.
/// </summary>
internal static class EmailFinder
{
    private const int MaxLocal = 64;
    private const int MaxDomain = 253;

    /// <summary>File extensions that follow an "@" in asset names ("icon@2x.png"); none is a top-level domain.</summary>
    private static readonly string[] FileExtensions =
    [
        "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "tif", "tiff", "heic", "js", "mjs", "cjs",
        "ts", "tsx", "jsx", "css", "scss", "less", "map", "json", "html", "htm", "xml", "pdf", "txt", "woff", "woff2",
        "ttf", "otf", "eot", "mp3", "mp4", "webm", "wav", "ogg", "gz", "tar", "lock", "yml", "yaml", "csv", "wasm",
    ];

    public static void Find(ReadOnlySpan<char> s, ref HitBuffer hits)
    {
        var from = 0;
        while (from < s.Length)
        {
            var offset = s[from..].IndexOf('@');
            if (offset < 0) return;
            var at = from + offset;
            from = at + 1;
            if (TryMatch(s, at, out var start, out var end))
            {
                hits.Add(PiiDetector.Email, start, end - start);
                from = end;
            }
        }
    }

    private static bool TryMatch(ReadOnlySpan<char> s, int at, out int start, out int end)
    {
        start = end = 0;
        var localStart = at;
        while (localStart > 0 && at - localStart <= MaxLocal && IsLocalChar(s[localStart - 1])) localStart--;
        if (at - localStart > MaxLocal) return false;
        // The local part starts at a letter, digit or underscore: quotes and dots before it are punctuation.
        while (localStart < at && !PiiText.IsWordChar(s[localStart])) localStart++;
        if (localStart == at || s[at - 1] == '.') return false;
        if (s[localStart..at].Contains("..", StringComparison.Ordinal)) return false;

        var pos = at + 1;
        var labels = 0;
        var domainEnd = -1;
        var tldStart = -1;
        while (pos < s.Length)
        {
            var labelStart = pos;
            while (pos < s.Length && pos - at <= MaxDomain && (IsLetterDigitOrMark(s[pos]) || s[pos] == '-')) pos++;
            var length = pos - labelStart;
            if (length is 0 or > 63 || s[labelStart] == '-' || s[pos - 1] == '-') break;
            labels++;
            domainEnd = pos;
            tldStart = labelStart;
            if (pos + 1 < s.Length && s[pos] == '.' && char.IsLetterOrDigit(s[pos + 1])) pos++;
            else break;
        }
        if (labels < 2) return false;
        if (domainEnd < s.Length && (PiiText.IsWordChar(s[domainEnd]) || s[domainEnd] == '-')) return false;
        var tld = s[tldStart..domainEnd];
        if (!IsTopLevelDomain(tld)) return false;
        start = localStart;
        end = domainEnd;
        return true;
    }

    private static bool IsLocalChar(char c) => IsLetterDigitOrMark(c) || c is '.' or '_' or '%' or '+' or '-' or '\'';

    /// <summary>Letters and digits of any script, with the combining marks that scripts such as Devanagari need.</summary>
    private static bool IsLetterDigitOrMark(char c) =>
        char.IsLetterOrDigit(c) ||
        (c > 0x7F && char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark);

    private static bool IsTopLevelDomain(ReadOnlySpan<char> tld)
    {
        if (tld.Length < 2) return false;
        if (tld.StartsWith("xn--", StringComparison.OrdinalIgnoreCase)) return tld.Length > 4;
        foreach (var c in tld)
        {
            if (!IsLetterDigitOrMark(c) || char.IsDigit(c)) return false;
        }
        foreach (var extension in FileExtensions)
        {
            if (tld.Equals(extension, StringComparison.OrdinalIgnoreCase)) return false;
        }
        return true;
    }
}
