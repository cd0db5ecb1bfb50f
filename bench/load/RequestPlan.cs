using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Veil.Load;

/// <summary>
/// Every request of a run, pre-built from the generated events, plus what each request needs in common.
/// When a run outlasts the pool, later passes send the same requests with fresh insert ids (see <see cref="ForPass"/>).
/// </summary>
internal sealed class RequestPlan
{
    /// <summary>Length of mixpanel-browser's insert ids, which the generator copies.</summary>
    public const int InsertIdLength = 16;
    private const int PassMarkLength = 3;
    private const string Base36 = "0123456789abcdefghijklmnopqrstuvwxyz";

    private readonly string _root;
    private readonly string _path;

    private RequestPlan(WireFormat format, HttpMethod method, string? contentType, string? authorization, PreparedRequest[] requests, int events, string root, string path)
    {
        Format = format;
        Method = method;
        ContentType = contentType;
        Authorization = authorization;
        Requests = requests;
        EventCount = events;
        _root = root;
        _path = path;
    }

    public WireFormat Format { get; }
    public HttpMethod Method { get; }
    public string? ContentType { get; }
    public string? Authorization { get; }
    public PreparedRequest[] Requests { get; }

    /// <summary>Events in one pass over <see cref="Requests"/>.</summary>
    public int EventCount { get; }

    /// <summary>How many passes fit before the pass mark in the insert ids runs out.</summary>
    public static int MaxPasses => 36 * 36 * 36;

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
        var plan = new RequestPlan(format, method, contentType, authorization, requests, events.Length, root, path);
        Parallel.For(0, requests.Length, () => new ArrayBufferWriter<byte>(1 << 20), (i, _, buffer) =>
        {
            var first = i * batch;
            var count = Math.Min(batch, events.Length - first);
            var offsets = new int[count];
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                WriteEvents(writer, buffer, format, events.AsSpan(first, count), bodyToken, offsets);
            }
            var json = buffer.WrittenSpan.ToArray();
            var (uri, body) = plan.Encode(json);
            requests[i] = new PreparedRequest(uri, body, json, offsets, first, count);
            return buffer;
        }, _ => { });
        return plan;
    }

    /// <summary>
    /// The request as pass <paramref name="pass"/> sends it: pass 0 as prepared; later passes copy the JSON and overwrite
    /// the first characters of each insert id with the pass number, so the server sees new, unique events (a memory
    /// copy and a few bytes per event, far cheaper than the request itself).
    /// </summary>
    /// <remarks>For the JSON formats the body is rented from <see cref="ArrayPool{T}.Shared"/>: give it back with <see cref="Return"/>.</remarks>
    public OutgoingRequest ForPass(PreparedRequest request, int pass)
    {
        if (pass == 0) return new OutgoingRequest(request.Uri, request.Body, request.Body?.Length ?? 0, Rented: false);
        Span<byte> mark = stackalloc byte[PassMarkLength];
        PassMark(pass, mark);
        var length = request.Json.Length;
        // JSON formats send the patched copy as is: rent it, as a 1000-event body would otherwise land on the large-object heap.
        var sendsJson = Format is WireFormat.Import or WireFormat.Ndjson or WireFormat.Native;
        var json = sendsJson ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];
        request.Json.CopyTo(json, 0);
        foreach (var offset in request.InsertIdOffsets) mark.CopyTo(json.AsSpan(offset));
        if (sendsJson) return new OutgoingRequest(request.Uri, json, length, Rented: true);
        var (uri, body) = Encode(json);
        return new OutgoingRequest(uri, body, body?.Length ?? 0, Rented: false);
    }

    /// <summary>Gives a rented body back once its request is done.</summary>
    public static void Return(OutgoingRequest request)
    {
        if (request.Rented && request.Body is not null) ArrayPool<byte>.Shared.Return(request.Body);
    }

    /// <summary>The insert id <paramref name="original"/> as pass <paramref name="pass"/> sent it.</summary>
    public static string InsertIdForPass(string original, int pass)
    {
        if (pass == 0) return original;
        Span<byte> mark = stackalloc byte[PassMarkLength];
        PassMark(pass, mark);
        return Encoding.ASCII.GetString(mark) + original[PassMarkLength..];
    }

    private (Uri Uri, byte[]? Body) Encode(byte[] json) => Format switch
    {
        WireFormat.TrackGet => (new Uri(_root + _path + Encoding.ASCII.GetString(EscapedBase64(json, ""u8))), null),
        WireFormat.TrackBatch => (new Uri(_root + _path), EscapedBase64(json, "data="u8)),
        _ => (new Uri(_root + _path), json),
    };

    private static void PassMark(int pass, Span<byte> mark)
    {
        // Pass 1 gets "001"… in base 36; generated ids are random base 36, so collisions with them are as unlikely as between them.
        for (var i = mark.Length - 1; i >= 0; i--)
        {
            mark[i] = (byte)Base36[pass % 36];
            pass /= 36;
        }
    }

    private static void WriteEvents(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, WireFormat format, ReadOnlySpan<BrowserEvent> events, string? token, int[] offsets)
    {
        var timeInSeconds = format == WireFormat.TrackBatch;
        var next = 0;
        // After `"$insert_id":"<16 chars>"` is flushed, the value starts 17 bytes back (ids are plain base 36, never escaped).
        void NoteInsertId()
        {
            writer.Flush();
            offsets[next++] = buffer.WrittenCount - InsertIdLength - 1;
        }
        switch (format)
        {
            case WireFormat.TrackGet:
                EventJson.Write(writer, events[0], timeInSeconds, token, NoteInsertId);
                break;
            case WireFormat.Ndjson or WireFormat.Native:
                foreach (var e in events)
                {
                    EventJson.Write(writer, e, timeInSeconds, token, NoteInsertId);
                    writer.Flush();
                    buffer.Write("\n"u8);
                    writer.Reset(buffer);
                }
                break;
            default:
                writer.WriteStartArray();
                foreach (var e in events) EventJson.Write(writer, e, timeInSeconds, token, NoteInsertId);
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
