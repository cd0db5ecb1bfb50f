using System.Text;
using System.Text.Json;
using Veil.Ingest.Wire;

namespace Veil.Ingest.Tests.Wire;

/// <summary>One line of a capture file in Captures/: an HTTP request an official SDK sent.</summary>
internal sealed record CapturedRequest(string Method, string Path, string Query, string? ContentType, string? ContentEncoding, string Body)
{
    public static IEnumerable<CapturedRequest> Load(string file)
    {
        foreach (var line in File.ReadLines(System.IO.Path.Combine(AppContext.BaseDirectory, "Wire", "Captures", file)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            string path, query;
            if (root.TryGetProperty("url", out var url))
            {
                var text = url.GetString()!;
                var q = text.IndexOf('?', StringComparison.Ordinal);
                path = q < 0 ? text : text[..q];
                query = q < 0 ? "" : text[q..];
            }
            else
            {
                // The Chromium capture stores the query already split into a map.
                path = root.GetProperty("path").GetString()!;
                query = "?" + string.Join("&", root.GetProperty("query").EnumerateObject()
                    .Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value.GetString()!)));
            }
            var headers = root.GetProperty("headers");
            var body = root.GetProperty("body");
            var bodyText = body.ValueKind == JsonValueKind.Object ? body.GetProperty("text").GetString()! : body.GetString()!;
            yield return new CapturedRequest(
                root.GetProperty("method").GetString()!,
                path,
                query,
                headers.TryGetProperty("content-type", out var ct) ? ct.GetString() : null,
                headers.TryGetProperty("content-encoding", out var ce) ? ce.GetString() : null,
                bodyText);
        }
    }

    /// <summary>The endpoint, or null for requests this adapter does not handle (<c>/record</c>).</summary>
    public MixpanelEndpoint? Endpoint => Path.Trim('/') switch
    {
        "track" => MixpanelEndpoint.Track,
        "import" => MixpanelEndpoint.Import,
        "engage" => MixpanelEndpoint.Engage,
        "groups" => MixpanelEndpoint.Groups,
        _ => null,
    };

    public WireRequest ToWireRequest() => new(Method, Path, Query, ContentType, ContentEncoding, Encoding.UTF8.GetBytes(Body));

    /// <summary>A query parameter's raw (still encoded) value.</summary>
    public string? RawParameter(string name) =>
        Query.TrimStart('?').Split('&').Where(p => p.StartsWith(name + "=", StringComparison.Ordinal)).Select(p => p[(name.Length + 1)..]).FirstOrDefault();
}
