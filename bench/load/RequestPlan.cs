using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Veil.Load;

/// <summary>Every request of a run, pre-built from the generated events, plus what each request needs in common.</summary>
internal sealed class RequestPlan
{
    private RequestPlan(WireFormat format, HttpMethod method, string? contentType, string? authorization, PreparedRequest[] requests)
    {
        Format = format;
        Method = method;
        ContentType = contentType;
        Authorization = authorization;
        Requests = requests;
    }

    public WireFormat Format { get; }
    public HttpMethod Method { get; }
    public string? ContentType { get; }
    public string? Authorization { get; }
    public PreparedRequest[] Requests { get; }

    /// <summary>Serialises <paramref name="events"/> into requests of <paramref name="batch"/> events each.</summary>
    public static RequestPlan Build(WireFormat format, BrowserEvent[] events, int batch, Uri baseUrl, string? token, string? secret)
    {
        if (format == WireFormat.TrackGet) batch = 1;
        var root = baseUrl.ToString().TrimEnd('/');
        var (method, contentType, authorization, path) = format switch
        {
            WireFormat.Import => (HttpMethod.Post, "application/json", Basic(secret), "/import?strict=1"),
            WireFormat.Ndjson => (HttpMethod.Post, "application/x-ndjson", Basic(secret), "/import?strict=1"),
            WireFormat.Native => (HttpMethod.Post, "application/x-ndjson", "Bearer " + Require(token, "--token"), "/api/events"),
            WireFormat.TrackBatch => (HttpMethod.Post, "application/x-www-form-urlencoded", (string?)null, "/track/?verbose=1&ip=1"),
            WireFormat.TrackGet => (HttpMethod.Get, (string?)null, (string?)null, "/track?ip=0&verbose=0&data="),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
        var bodyToken = format is WireFormat.TrackBatch or WireFormat.TrackGet ? Require(token, "--token") : null;
        var requests = new PreparedRequest[(events.Length + batch - 1) / batch];
        var fixedUri = new Uri(root + path);
        Parallel.For(0, requests.Length, () => new ArrayBufferWriter<byte>(1 << 20), (i, _, buffer) =>
        {
            var first = i * batch;
            var count = Math.Min(batch, events.Length - first);
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                WriteEvents(writer, buffer, format, events.AsSpan(first, count), bodyToken);
            }
            requests[i] = format switch
            {
                WireFormat.TrackGet => new PreparedRequest(new Uri(root + path + Encoding.ASCII.GetString(EscapedBase64(buffer.WrittenSpan, ""u8))), null, first, count),
                WireFormat.TrackBatch => new PreparedRequest(fixedUri, EscapedBase64(buffer.WrittenSpan, "data="u8), first, count),
                _ => new PreparedRequest(fixedUri, buffer.WrittenSpan.ToArray(), first, count),
            };
            return buffer;
        }, _ => { });
        return new RequestPlan(format, method, contentType, authorization, requests);
    }

    private static void WriteEvents(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, WireFormat format, ReadOnlySpan<BrowserEvent> events, string? token)
    {
        var timeInSeconds = format == WireFormat.TrackBatch;
        switch (format)
        {
            case WireFormat.TrackGet:
                EventJson.Write(writer, events[0], timeInSeconds, token);
                break;
            case WireFormat.Ndjson or WireFormat.Native:
                foreach (var e in events)
                {
                    EventJson.Write(writer, e, timeInSeconds, token);
                    writer.Flush();
                    buffer.Write("\n"u8);
                    writer.Reset(buffer);
                }
                break;
            default:
                writer.WriteStartArray();
                foreach (var e in events) EventJson.Write(writer, e, timeInSeconds, token);
                writer.WriteEndArray();
                break;
        }
        writer.Flush();
    }

    /// <summary>
    /// <paramref name="prefix"/> + the url-encoded base64 of <paramref name="json"/>. Only '+', '/' and '=' need escaping
    /// in base64; doing it here is many times faster than Uri.EscapeDataString on a megabyte string.
    /// </summary>
    private static byte[] EscapedBase64(ReadOnlySpan<byte> json, ReadOnlySpan<byte> prefix)
    {
        var base64 = new byte[((json.Length + 2) / 3) * 4];
        System.Buffers.Text.Base64.EncodeToUtf8(json, base64, out _, out var written);
        var escapes = 0;
        foreach (var b in base64.AsSpan(0, written)) if (b is (byte)'+' or (byte)'/' or (byte)'=') escapes++;
        var result = new byte[prefix.Length + written + 2 * escapes];
        prefix.CopyTo(result);
        var at = prefix.Length;
        foreach (var b in base64.AsSpan(0, written))
        {
            var code = b switch { (byte)'+' => "%2B"u8, (byte)'/' => "%2F"u8, (byte)'=' => "%3D"u8, _ => default };
            if (code.IsEmpty)
            {
                result[at++] = b;
            }
            else
            {
                code.CopyTo(result.AsSpan(at));
                at += 3;
            }
        }
        return result;
    }

    // Mixpanel's legacy secret auth: the secret as username, empty password.
    private static string Basic(string? secret) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Require(secret, "--secret") + ":"));

    private static string Require(string? value, string option) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException($"This format needs {option}.") : value;
}
