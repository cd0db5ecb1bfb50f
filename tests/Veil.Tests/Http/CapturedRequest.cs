using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Veil.Tests.Http;

/// <summary>One request an official SDK sent, from a capture file in Captures/ (one JSON object per line).</summary>
internal sealed record CapturedRequest(string File, int Line, string Method, string Path, string Query, string? ContentType, string? ContentEncoding, string Body)
{
    public static IEnumerable<CapturedRequest> Load(string file)
    {
        var line = 0;
        foreach (var text in System.IO.File.ReadLines(System.IO.Path.Combine(AppContext.BaseDirectory, "Captures", file)))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            string path, query;
            if (root.TryGetProperty("url", out var url))
            {
                var whole = url.GetString()!;
                var q = whole.IndexOf('?', StringComparison.Ordinal);
                (path, query) = q < 0 ? (whole, "") : (whole[..q], whole[q..]);
            }
            else
            {
                // The Chromium capture keeps the path and the query as a map of decoded values.
                path = root.GetProperty("path").GetString()!;
                query = "?" + string.Join("&", root.GetProperty("query").EnumerateObject()
                    .Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value.GetString()!)));
            }
            var headers = root.GetProperty("headers");
            var body = root.GetProperty("body");
            yield return new CapturedRequest(file, line, root.GetProperty("method").GetString()!, path, query,
                headers.TryGetProperty("content-type", out var ct) ? ct.GetString() : null,
                headers.TryGetProperty("content-encoding", out var ce) ? ce.GetString() : null,
                body.ValueKind == JsonValueKind.Object ? body.GetProperty("text").GetString()! : body.GetString()!);
        }
    }

    /// <summary><c>track</c>, <c>engage</c>, <c>groups</c>, <c>import</c>, <c>record</c>, …</summary>
    public string Endpoint => Path.Trim('/');

    public bool Verbose => Parameter("verbose") == "1";

    public string? Parameter(string name) =>
        Query.TrimStart('?').Split('&').Where(p => p.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(p => Uri.UnescapeDataString(p[(name.Length + 1)..])).FirstOrDefault();

    /// <summary>The items the SDK sent, decoded with nothing but the base class library.</summary>
    public IReadOnlyList<JsonObject> Items()
    {
        var raw = Body.StartsWith("data=", StringComparison.Ordinal) ? Body[5..].Split('&')[0] : Parameter("data") is { } q ? Uri.EscapeDataString(q) : Body;
        var text = Uri.UnescapeDataString(raw);
        if (!(text.StartsWith('{') || text.StartsWith('[')))
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
        }
        var node = JsonNode.Parse(text)!;
        return node is JsonArray array ? array.Select(n => n!.AsObject()).ToList() : [node.AsObject()];
    }

    public override string ToString() => $"{File}:{Line} {Method} {Path}";
}
