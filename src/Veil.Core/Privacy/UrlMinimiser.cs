using System.Buffers;
using System.Runtime.CompilerServices;

namespace Veil.Core.Privacy;

/// <summary>Cuts URLs to what analytics needs: scheme, host and path, plus allow-listed campaign parameters.</summary>
public static class UrlMinimiser
{
    private static readonly string[] AllowedQueryKeys =
        ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id"];

    // Minimised URLs repeat across events (a site has few pages); only the cut form is held, never what came in.
    private static readonly SharedTextCache MinimisedUrls = new(1024, maxChars: 160);

    /// <summary>
    /// <c>https://shop.example/cart?utm_source=news&amp;email=a@b.c#x</c> becomes
    /// <c>https://shop.example/cart?utm_source=news</c>. Returns null for anything that is not an absolute http(s) URL.
    /// </summary>
    public static string? Minimise(string? url) => url is null ? null : Minimise(url.AsSpan(), url);

    /// <summary>
    /// <see cref="Minimise(string?)"/> over a span; <paramref name="asString"/> is the same text as a string if the
    /// caller has one. Plain URLs (what browsers send) are cut without <see cref="Uri"/>; anything else goes through it.
    /// </summary>
    internal static string? Minimise(ReadOnlySpan<char> url, string? asString)
    {
        if (PlainUrl.TryParse(url, out var plain)) return plain.Minimised(url, AllowedQueryKeys);
        return MinimiseWithUri(asString ?? url.ToString());
    }

    // The general path, through Uri; internal so tests hold the plain-URL path to it.
    internal static string? MinimiseWithUri(string url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) return null;
        var result = uri.GetComponents(UriComponents.Scheme | UriComponents.Host | UriComponents.Port | UriComponents.Path, UriFormat.UriEscaped);
        if (uri.Query.Length <= 1) return result;
        var kept = new List<string>();
        foreach (var pair in uri.Query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var key = pair.Split('=', 2)[0];
            if (Array.IndexOf(AllowedQueryKeys, key) >= 0) kept.Add(pair);
        }
        return kept.Count == 0 ? result : result + "?" + string.Join('&', kept);
    }

    /// <summary>The host of a referrer URL (Mixpanel's <c>$referring_domain</c>), or null; <c>$direct</c> is kept as is.</summary>
    public static string? HostOnly(string? url)
    {
        if (url is null) return null;
        var host = HostOnly(url.AsSpan(), url);
        return host.IsEmpty ? null : host.SequenceEqual(url) ? url : host.ToString();
    }

    /// <summary>
    /// <see cref="HostOnly(string?)"/> over a span: the host as a slice of <paramref name="url"/> where it can be cut
    /// out directly, else the text of a new string; empty for none (a host is never empty).
    /// </summary>
    internal static ReadOnlySpan<char> HostOnly(ReadOnlySpan<char> url, string? asString)
    {
        if (PlainUrl.TryParse(url, out var plain)) return url.Slice(plain.HostStart, plain.HostLength);
        if (PlainUrl.IsBareHost(url) || url.SequenceEqual("$direct")) return url;
        return HostOnlyWithUri(asString ?? url.ToString());
    }

    internal static string? HostOnlyWithUri(string url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (url == "$direct") return url;
        if (Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host)) return uri.Host;
        // A bare host such as "www.google.com" (Mixpanel's $referring_domain) is already minimal.
        var candidate = url.Trim();
        return candidate.IndexOfAny(['/', '?', '#', '@', ' ']) < 0 && candidate.Contains('.', StringComparison.Ordinal) ? candidate : null;
    }

    /// <summary>
    /// An http(s) URL in the plain shape browsers send: lower-case scheme and DNS host, no port or user info, and only
    /// characters that <see cref="Uri"/> leaves as they are, with no dot segments to resolve. For these, cutting the
    /// text gives exactly what <see cref="Uri"/> would (a property test holds the two together); every other URL takes
    /// the <see cref="Uri"/> path.
    /// </summary>
    private readonly ref struct PlainUrl
    {
        private const int MaxLength = 2048;

        // Characters Uri keeps unescaped in a path, query and fragment.
        private static readonly SearchValues<char> NotPlain = SearchValues.Create(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?");
        private static readonly SearchValues<char> NotHost = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789.-");
        private static readonly SearchValues<char> BareHost = SearchValues.Create(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

        public int SchemeLength { get; init; }
        public int HostStart { get; init; }
        public int HostLength { get; init; }
        public int PathEnd { get; init; }
        /// <summary>Start of the query after its '?', or -1.</summary>
        public int QueryStart { get; init; }
        public int QueryEnd { get; init; }

        public static bool TryParse(ReadOnlySpan<char> url, out PlainUrl parsed)
        {
            parsed = default;
            if (url.Length > MaxLength) return false;
            int hostStart;
            if (url.StartsWith("https://", StringComparison.Ordinal)) hostStart = 8;
            else if (url.StartsWith("http://", StringComparison.Ordinal)) hostStart = 7;
            else return false;
            var hostLength = url[hostStart..].IndexOfAny('/', '?', '#');
            if (hostLength < 0) hostLength = url.Length - hostStart;
            if (!IsPlainHost(url.Slice(hostStart, hostLength))) return false;
            var rest = url[(hostStart + hostLength)..];
            var hash = rest.IndexOf('#');
            var beforeFragment = hash < 0 ? rest : rest[..hash];
            if (beforeFragment.ContainsAnyExcept(NotPlain)) return false;
            if (hash >= 0 && rest[(hash + 1)..].ContainsAnyExcept(NotPlain)) return false;
            var question = beforeFragment.IndexOf('?');
            var path = question < 0 ? beforeFragment : beforeFragment[..question];
            if (HasDotSegment(path)) return false;
            var pathEnd = hostStart + hostLength + path.Length;
            parsed = new PlainUrl
            {
                SchemeLength = hostStart - 3,
                HostStart = hostStart,
                HostLength = hostLength,
                PathEnd = pathEnd,
                QueryStart = question < 0 ? -1 : pathEnd + 1,
                QueryEnd = hostStart + hostLength + beforeFragment.Length,
            };
            return true;
        }

        /// <summary>
        /// A host name of dot-separated labels, each 1–63 of <c>[a-z0-9-]</c> not starting or ending with '-', the last
        /// starting with a letter (so no IPv4 form Uri would rewrite), and no punycode (Uri may convert it).
        /// </summary>
        private static bool IsPlainHost(ReadOnlySpan<char> host)
        {
            if (host.IsEmpty || host.Length > 253 || host.ContainsAnyExcept(NotHost)) return false;
            var lastStart = 0;
            foreach (var range in host.Split('.'))
            {
                var label = host[range];
                if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-' || label.StartsWith("xn--", StringComparison.Ordinal)) return false;
                lastStart = range.Start.Value;
            }
            return char.IsAsciiLetterLower(host[lastStart]);
        }

        /// <summary>"/." followed by '.', '/' or the end: a "." or ".." segment (or something close) that Uri would resolve.</summary>
        private static bool HasDotSegment(ReadOnlySpan<char> path)
        {
            var from = 0;
            while (true)
            {
                var at = path[from..].IndexOf("/.", StringComparison.Ordinal);
                if (at < 0) return false;
                var next = from + at + 2;
                if (next == path.Length || path[next] is '.' or '/') return true;
                from = next;
            }
        }

        /// <summary>
        /// A value Uri cannot read as an absolute URL (no scheme, no leading '/') made only of letters, digits, dots
        /// and dashes, with a dot: Mixpanel's bare <c>$referring_domain</c>, kept as it is.
        /// </summary>
        public static bool IsBareHost(ReadOnlySpan<char> value) =>
            !value.IsEmpty && value.Length <= MaxLength && !value.ContainsAnyExcept(BareHost) && value.Contains('.');

        /// <summary>Scheme, host and path ("/" when empty), then the allowed query pairs in their order.</summary>
        [SkipLocalsInit]
        public string Minimised(ReadOnlySpan<char> url, string[] allowedKeys)
        {
            var upToPath = url[..PathEnd];
            var emptyPath = PathEnd == HostStart + HostLength;
            if (!emptyPath && (QueryStart < 0 || QueryEnd <= QueryStart)) return MinimisedUrls.Get(upToPath);
            var query = QueryStart < 0 || QueryEnd <= QueryStart ? default : url[QueryStart..QueryEnd];
            char[]? rented = null;
            var capacity = PathEnd + 1 + query.Length + 1;
            var buffer = capacity <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(capacity));
            try
            {
                upToPath.CopyTo(buffer);
                var length = upToPath.Length;
                if (emptyPath) buffer[length++] = '/';
                var noQuery = length;
                foreach (var range in query.Split('&'))
                {
                    var pair = query[range];
                    if (pair.IsEmpty) continue;
                    var equals = pair.IndexOf('=');
                    var key = equals < 0 ? pair : pair[..equals];
                    if (!IsAllowed(key, allowedKeys)) continue;
                    buffer[length] = length == noQuery ? '?' : '&';
                    length++;
                    pair.CopyTo(buffer[length..]);
                    length += pair.Length;
                }
                return MinimisedUrls.Get(buffer[..length]);
            }
            finally
            {
                if (rented is not null) ArrayPool<char>.Shared.Return(rented);
            }
        }

        private static bool IsAllowed(ReadOnlySpan<char> key, string[] allowedKeys)
        {
            foreach (var allowed in allowedKeys)
            {
                if (key.SequenceEqual(allowed)) return true;
            }
            return false;
        }
    }
}
