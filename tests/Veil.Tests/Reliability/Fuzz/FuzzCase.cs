using Veil.Ingest.Wire;

namespace Veil.Fuzz;

/// <summary>One adversarial request: what kind of damage it carries, where it goes and its exact bytes.</summary>
/// <param name="Kind">The generator family, e.g. <c>random-bytes</c>, <c>deep-nesting</c>, <c>gzip-bomb</c>.</param>
/// <param name="Endpoint">The Mixpanel endpoint it is meant for.</param>
/// <param name="Native">Sent to Veil's own <c>POST /api/events</c> instead (decoded as /import).</param>
/// <param name="Method">GET or POST.</param>
/// <param name="Query">Raw query string, with its leading <c>?</c> or empty.</param>
/// <param name="ContentType">Content-Type header, if any.</param>
/// <param name="ContentEncoding">Content-Encoding header, if any.</param>
/// <param name="Body">Body bytes as sent.</param>
public sealed record FuzzCase(
    string Kind,
    MixpanelEndpoint Endpoint,
    bool Native,
    string Method,
    string Query,
    string? ContentType,
    string? ContentEncoding,
    byte[] Body)
{
    /// <summary>The request path this case is sent to.</summary>
    public string Path => Native ? "/api/events" : "/" + Endpoint.ToString().ToLowerInvariant();

    /// <summary>A short description for failure reports (no body bytes beyond a prefix).</summary>
    public string Describe() =>
        $"{Kind} {Method} {Path}{(Query.Length > 80 ? Query[..80] + "…" : Query)} type={ContentType ?? "-"} enc={ContentEncoding ?? "-"} " +
        $"body={Body.Length} B: {Convert.ToHexString(Body.AsSpan(0, Math.Min(48, Body.Length)))}";
}
