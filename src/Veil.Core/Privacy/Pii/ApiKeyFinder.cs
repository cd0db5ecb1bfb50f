using System.Buffers;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Secrets recognised by a vendor prefix and the shape of what follows: Stripe (<c>sk_live_</c>…), GitHub
/// (<c>ghp_</c>, <c>github_pat_</c>…), Slack (<c>xoxb-</c>…), AWS access key ids (<c>AKIA</c>…), Google API keys
/// (<c>AIza</c>…), GitLab (<c>glpat-</c>), SendGrid (<c>SG.</c>), PEM private key blocks and bearer tokens. The body
/// must also use enough distinct characters, so placeholders such as <c>sk_live_xxxxxxxxxxxxxxxx</c> do not count.
/// </summary>
internal static class ApiKeyFinder
{
    private enum Kind
    {
        Stripe,
        GitHub,
        GitHubPat,
        Slack,
        Aws,
        Google,
        GitLab,
        SendGrid,
        PrivateKey,
        Bearer,
    }

    private static readonly (string Prefix, Kind Kind)[] Prefixes =
    [
        ("sk_live_", Kind.Stripe), ("sk_test_", Kind.Stripe), ("rk_live_", Kind.Stripe), ("rk_test_", Kind.Stripe),
        ("pk_live_", Kind.Stripe), ("pk_test_", Kind.Stripe),
        ("ghp_", Kind.GitHub), ("gho_", Kind.GitHub), ("ghu_", Kind.GitHub), ("ghs_", Kind.GitHub), ("ghr_", Kind.GitHub),
        ("github_pat_", Kind.GitHubPat),
        ("xoxb-", Kind.Slack), ("xoxp-", Kind.Slack), ("xoxa-", Kind.Slack), ("xoxr-", Kind.Slack), ("xoxs-", Kind.Slack),
        ("xoxe-", Kind.Slack),
        ("AKIA", Kind.Aws), ("ASIA", Kind.Aws),
        ("AIza", Kind.Google),
        ("glpat-", Kind.GitLab),
        ("SG.", Kind.SendGrid),
        ("-----BEGIN ", Kind.PrivateKey),
        ("Bearer ", Kind.Bearer),
    ];

    // Case-insensitive so "bearer"/"BEARER" are found; every other prefix is then checked case-sensitively.
    private static readonly SearchValues<string> PrefixSearch =
        SearchValues.Create(Prefixes.Select(p => p.Prefix).ToArray(), StringComparison.OrdinalIgnoreCase);

    private static readonly SearchValues<char> Upper = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    private static readonly SearchValues<char> Lower = SearchValues.Create("abcdefghijklmnopqrstuvwxyz");

    /// <summary>The shortest value that can hold any of these secrets.</summary>
    public const int MinLength = 15;

    public static void Find(ReadOnlySpan<char> s, ref HitBuffer hits)
    {
        var from = 0;
        while (from < s.Length)
        {
            var offset = s[from..].IndexOfAny(PrefixSearch);
            if (offset < 0) return;
            var start = from + offset;
            from = start + 1;
            foreach (var (prefix, kind) in Prefixes)
            {
                var comparison = kind == Kind.Bearer ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                if (!s[start..].StartsWith(prefix, comparison)) continue;
                if (kind != Kind.PrivateKey && start > 0 && PiiText.IsWordChar(s[start - 1])) break;
                var end = Match(s, start + prefix.Length, kind);
                if (end > 0)
                {
                    hits.Add(PiiDetector.ApiKey, start, end - start);
                    from = end;
                }
                break;
            }
        }
    }

    /// <summary>The end of the secret whose body starts at <paramref name="body"/>, or -1.</summary>
    private static int Match(ReadOnlySpan<char> s, int body, Kind kind) => kind switch
    {
        Kind.Stripe => Token(s, body, 16, 128, AlphaNumeric, minDistinct: 8),
        Kind.GitHub => Token(s, body, 30, 255, AlphaNumeric, minDistinct: 10),
        Kind.GitHubPat => Token(s, body, 30, 255, Word, minDistinct: 10),
        Kind.Slack => SlackToken(s, body),
        // One real key in ~21,000 has fewer than 8 distinct characters (a flaky miss in the property test); fewer than 6
        // is one in ~45 million, and 6 still refuses filler such as "AKIAAAAAAAAAAAAAAAAA".
        Kind.Aws => Exact(s, body, 16, c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c), minDistinct: 6),
        Kind.Google => Exact(s, body, 35, PiiText.IsBase64UrlChar, minDistinct: 10),
        Kind.GitLab => Token(s, body, 20, 64, PiiText.IsBase64UrlChar, minDistinct: 8),
        Kind.SendGrid => SendGridKey(s, body),
        Kind.PrivateKey => PrivateKeyBlock(s, body),
        Kind.Bearer => BearerToken(s, body),
        _ => -1,
    };

    private static bool AlphaNumeric(char c) => char.IsAsciiLetterOrDigit(c);

    private static bool Word(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static int Token(ReadOnlySpan<char> s, int body, int min, int max, Func<char, bool> allowed, int minDistinct)
    {
        var end = body;
        while (end < s.Length && end - body <= max && allowed(s[end])) end++;
        var length = end - body;
        if (length < min || length > max) return -1;
        if (end < s.Length && PiiText.IsWordChar(s[end])) return -1;
        return PiiText.DistinctAscii(s[body..end]) >= minDistinct ? end : -1;
    }

    private static int Exact(ReadOnlySpan<char> s, int body, int length, Func<char, bool> allowed, int minDistinct)
    {
        var end = body;
        while (end < s.Length && end - body <= length && allowed(s[end])) end++;
        if (end - body != length) return -1;
        if (end < s.Length && PiiText.IsWordChar(s[end])) return -1;
        return PiiText.DistinctAscii(s[body..end]) >= minDistinct ? end : -1;
    }

    private static int SlackToken(ReadOnlySpan<char> s, int body)
    {
        var end = Token(s, body, 10, 255, c => char.IsAsciiLetterOrDigit(c) || c == '-', minDistinct: 6);
        return end > 0 && s[body..end].ContainsAny(PiiText.Digits) ? end : -1;
    }

    private static int SendGridKey(ReadOnlySpan<char> s, int body)
    {
        var dot = body;
        while (dot < s.Length && dot - body <= 32 && PiiText.IsBase64UrlChar(s[dot])) dot++;
        if (dot - body is < 16 or > 32 || dot >= s.Length || s[dot] != '.') return -1;
        return Token(s, dot + 1, 20, 64, PiiText.IsBase64UrlChar, minDistinct: 10);
    }

    /// <summary>A PEM private key: from the BEGIN line to the matching END line, or to the end of the value if it is cut off.</summary>
    private static int PrivateKeyBlock(ReadOnlySpan<char> s, int body)
    {
        const string Label = "PRIVATE KEY-----";
        var labelEnd = body;
        while (labelEnd < s.Length && labelEnd - body <= 24 && (char.IsAsciiLetterUpper(s[labelEnd]) || char.IsAsciiDigit(s[labelEnd]) || s[labelEnd] == ' ')) labelEnd++;
        var header = s[body..Math.Min(s.Length, labelEnd + Label.Length)];
        var at = header.IndexOf(Label, StringComparison.Ordinal);
        if (at < 0) return -1;
        var afterHeader = body + at + Label.Length;
        var endLine = s[afterHeader..].IndexOf("-----END ", StringComparison.Ordinal);
        if (endLine < 0) return s.Length;
        var closing = afterHeader + endLine + "-----END ".Length;
        var close = s[closing..].IndexOf("-----", StringComparison.Ordinal);
        return close < 0 ? s.Length : closing + close + 5;
    }

    private static int BearerToken(ReadOnlySpan<char> s, int body)
    {
        while (body < s.Length && s[body] == ' ') body++;
        var end = body;
        while (end < s.Length && end - body <= 4096 && IsTokenChar(s[end])) end++;
        var token = s[body..end];
        if (token.Length < 16 || token.Length > 4096) return -1;
        if (!token.ContainsAny(PiiText.Letters)) return -1;
        // Random tokens almost always hold a digit; the few that do not still mix cases, unlike a word in prose.
        if (!token.ContainsAny(PiiText.Digits) && !(token.Length >= 20 && token.ContainsAny(Upper) && token.ContainsAny(Lower))) return -1;
        return PiiText.DistinctAscii(token) >= 8 ? end : -1;
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '+' or '/' or '=' or '-';
}
