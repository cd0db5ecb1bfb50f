namespace Veil.Core.Privacy;

/// <summary>Cuts URLs to what analytics needs: scheme, host and path, plus allow-listed campaign parameters.</summary>
public static class UrlMinimiser
{
    private static readonly string[] AllowedQueryKeys =
        ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id"];

    /// <summary>
    /// <c>https://shop.example/cart?utm_source=news&amp;email=a@b.c#x</c> becomes
    /// <c>https://shop.example/cart?utm_source=news</c>. Returns null for anything that is not an absolute http(s) URL.
    /// </summary>
    public static string? Minimise(string? url)
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
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (url == "$direct") return url;
        if (Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host)) return uri.Host;
        // A bare host such as "www.google.com" (Mixpanel's $referring_domain) is already minimal.
        var candidate = url.Trim();
        return candidate.IndexOfAny(['/', '?', '#', '@', ' ']) < 0 && candidate.Contains('.', StringComparison.Ordinal) ? candidate : null;
    }
}
