using System.IO.Compression;
using System.Text;
using Veil.Ingest.Wire;

namespace Veil.Ingest.Tests.Wire;

/// <summary>Builds raw requests the way a client would send them.</summary>
internal static class TestRequests
{
    public const string Form = "application/x-www-form-urlencoded";

    public static WireRequest Get(string path, string query) => new("GET", path, query, null, null, ReadOnlyMemory<byte>.Empty);

    public static WireRequest Post(string path, string query, string? contentType, string body, string? contentEncoding = null) =>
        new("POST", path, query, contentType, contentEncoding, Encoding.UTF8.GetBytes(body));

    public static WireRequest Post(string path, string query, string? contentType, byte[] body, string? contentEncoding = null) =>
        new("POST", path, query, contentType, contentEncoding, body);

    public static string Base64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    /// <summary>A valid /track event with the given name and extra JSON properties (without braces).</summary>
    public static string Event(string name, long timeSeconds, string extra = "", string token = "TOKEN123", string distinctId = "u1") =>
        "{\"event\":\"" + name + "\",\"properties\":{\"token\":\"" + token + "\",\"distinct_id\":\"" + distinctId
        + "\",\"time\":" + timeSeconds + (extra.Length > 0 ? "," + extra : "") + "}}";
}
