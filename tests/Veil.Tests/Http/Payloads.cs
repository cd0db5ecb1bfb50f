using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Veil.Tests.Http;

/// <summary>Mixpanel-shaped events and the encodings SDKs wrap them in.</summary>
internal static class Payloads
{
    /// <summary>Seconds since the epoch, an hour ago: recent enough for /track, past enough for /import.</summary>
    public static long RecentSeconds => DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600;

    /// <summary>A unique event name, so each test counts only its own events.</summary>
    public static string Name(string what) => $"{what} {Guid.NewGuid().ToString("N")[..12]}";

    public static JsonObject Event(string name, string? token, string distinctId = "user-under-test", JsonNode? time = null, string? insertId = null)
    {
        var properties = new JsonObject();
        if (token is not null) properties["token"] = token;
        properties["distinct_id"] = distinctId;
        // Cloned: a node has one parent, and tests reuse one time for several events.
        properties["time"] = time?.DeepClone() ?? RecentSeconds;
        if (insertId is not null) properties["$insert_id"] = insertId;
        return new JsonObject { ["event"] = name, ["properties"] = properties };
    }

    /// <summary>An /import event: time and $insert_id included, as strict=1 requires.</summary>
    public static JsonObject ImportEvent(string name, string distinctId = "user-under-test", JsonNode? time = null) =>
        Event(name, token: null, distinctId, time, insertId: Guid.NewGuid().ToString("N"));

    /// <summary>JSON as JavaScript's JSON.stringify writes it: only what JSON requires is escaped (not ', `, + or &lt;).</summary>
    public static JsonSerializerOptions AsBrowsersWrite { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Array(params JsonNode[] items) => new JsonArray(items.Select(i => i.DeepClone()).ToArray()).ToJsonString(AsBrowsersWrite);

    public static string Base64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    public static string Base64Url(string json) => Base64(json).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A form body <c>data=…</c> with the base64 percent-escaped, as the browser SDK sends it.</summary>
    public static string FormData(string json) => "data=" + Uri.EscapeDataString(Base64(json));

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));
}
