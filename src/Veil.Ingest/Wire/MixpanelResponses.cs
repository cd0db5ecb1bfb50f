using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>
/// Formats replies the way Mixpanel's SDKs expect them. The shape depends on the request:
/// <list type="bullet">
/// <item><b>/import shape</b> when <c>strict=1</c>, or on <c>/import</c> with a JSON/NDJSON body:
/// 200 <c>{"code":200,"num_records_imported":N,"status":"OK"}</c> when every record is valid, else 400
/// <c>{"code":400,"error":"some data points in the request failed validation",…,"num_records_imported":N,"failed_records":[…]}</c>
/// (partial success: the valid records are stored).</item>
/// <item><b>verbose</b> (<c>verbose=1</c>): <c>{"status":1,"error":null}</c>; with some items rejected, status 1 and
/// "error" summarising them; with none accepted, 400 and status 0 with the reason.</item>
/// <item><b>plain</b> (otherwise, incl. Node's <c>/import</c> via <c>data=</c>, which expects exactly <c>1</c>):
/// 200 <c>1</c> when at least one item was accepted (or skipped as too old), else 400 <c>0</c>; no newline.</item>
/// </list>
/// Then <c>callback=f</c> wraps the body as <c>f(…)</c> (text/javascript) and <c>img=1</c> replaces it with a 1x1
/// transparent GIF; the status code stays.
/// </summary>
public static class MixpanelResponses
{
    private const string TextPlain = "text/plain; charset=utf-8";
    private const string Json = "application/json";

    private static readonly byte[] One = "1"u8.ToArray();
    private static readonly byte[] Zero = "0"u8.ToArray();
    private static readonly byte[] VerboseOk = """{"status":1,"error":null}"""u8.ToArray();

    /// <summary>A 1x1 transparent GIF (43 bytes), the <c>img=1</c> reply.</summary>
    public static ReadOnlyMemory<byte> TransparentGif { get; } = new byte[]
    {
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xFF, 0xFF, 0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    };

    private enum Shape
    {
        Plain,
        Verbose,
        Import,
    }

    /// <summary>The reply to a request that did not decode (its 400 or 413).</summary>
    public static MixpanelResponse ForDecodeFailure(MixpanelDecodeResult decoded)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        if (decoded.Succeeded) throw new ArgumentException("The request decoded; answer its items instead.", nameof(decoded));
        return ForRequestError(decoded.Endpoint, decoded.Flags, decoded.Carrier, decoded.StatusCode, decoded.ErrorMessage!);
    }

    /// <summary>The reply after validating a <c>/track</c> or <c>/import</c> request's events (and storing the valid ones).</summary>
    public static MixpanelResponse ForEvents(MixpanelDecodeResult decoded, MixpanelEventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(batch);
        return ForOutcome(decoded.Endpoint, decoded.Flags, decoded.Carrier, batch.Events.Count, batch.Skipped, batch.Errors);
    }

    /// <summary>The reply after validating an <c>/engage</c> or <c>/groups</c> request's updates (and storing the valid ones).</summary>
    public static MixpanelResponse ForProfiles(MixpanelDecodeResult decoded, MixpanelProfileBatch batch)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(batch);
        return ForOutcome(decoded.Endpoint, decoded.Flags, decoded.Carrier, batch.Operations.Count, 0, batch.Errors);
    }

    /// <summary>The reply for a request whose items were accepted, skipped or rejected as given.</summary>
    /// <param name="endpoint">Where the request went.</param>
    /// <param name="flags">Its parameters.</param>
    /// <param name="carrier">How it carried its JSON.</param>
    /// <param name="accepted">Items stored.</param>
    /// <param name="skipped">Valid items dropped silently (too old for <c>/track</c>).</param>
    /// <param name="errors">Rejected items, in request order.</param>
    public static MixpanelResponse ForOutcome(
        MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier, int accepted, int skipped, IReadOnlyList<ItemError> errors)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(errors);
        var noun = Noun(endpoint);
        var total = accepted + skipped + errors.Count;
        var anyValid = accepted + skipped > 0;
        string? summary = errors.Count > 0 ? Summarise(errors, total, noun) : total == 0 ? $"no {noun}s in the request" : null;
        switch (ShapeOf(endpoint, flags, carrier))
        {
            case Shape.Import:
                if (errors.Count == 0 && total > 0)
                    return Wrap(flags, 200, Json, Write(flags, w => { w.WriteNumber("code", 200); w.WriteNumber("num_records_imported", accepted); w.WriteString("status", "OK"); }), null);
                if (errors.Count == 0)
                    return Wrap(flags, 400, Json, ImportError(flags, 400, summary!), summary);
                return Wrap(flags, 400, Json, Write(flags, w =>
                {
                    w.WriteNumber("code", 400);
                    w.WriteString("error", "some data points in the request failed validation");
                    w.WriteString("status", "Bad Request");
                    w.WriteNumber("num_records_imported", accepted);
                    w.WriteStartArray("failed_records");
                    foreach (var e in errors)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("index", e.Index);
                        w.WriteString("insert_id", e.InsertId);
                        w.WriteString("field", e.Field);
                        w.WriteString("message", e.Message);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }), summary);
            case Shape.Verbose:
                if (anyValid && summary is null) return Wrap(flags, 200, Json, VerboseOk, null);
                return Wrap(flags, anyValid ? 200 : 400, Json, VerboseBody(flags, anyValid ? 1 : 0, summary), summary);
            default:
                return Wrap(flags, anyValid ? 200 : 400, TextPlain, anyValid ? One : Zero, summary);
        }
    }

    /// <summary>The reply for a request refused as a whole (<paramref name="statusCode"/> 400 or 413, or another 4xx).</summary>
    public static MixpanelResponse ForRequestError(
        MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier, int statusCode, string message)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(message);
        return ShapeOf(endpoint, flags, carrier) switch
        {
            Shape.Import => Wrap(flags, statusCode, Json, ImportError(flags, statusCode, message), message),
            Shape.Verbose => Wrap(flags, statusCode, Json, VerboseBody(flags, 0, message), message),
            _ => Wrap(flags, statusCode, TextPlain, Zero, message),
        };
    }

    /// <summary>401 for a missing or wrong token/credential: <c>{"code":401,"error":"Invalid credentials","status":"Unauthorized"}</c> in the /import shape.</summary>
    public static MixpanelResponse Unauthorized(MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier) =>
        ForRequestError(endpoint, flags, carrier, 401, "Invalid credentials");

    /// <summary>429 when the project is over its rate limit; the host adds <c>Retry-After</c>.</summary>
    public static MixpanelResponse RateLimited(MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier) =>
        ForRequestError(endpoint, flags, carrier, 429, "Project exceeded rate limits. Please retry the request with exponential backoff.");

    /// <summary>413 for a body over <paramref name="limitBytes"/> (the browser SDK halves its batch and retries).</summary>
    public static MixpanelResponse PayloadTooLarge(MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier, long limitBytes) =>
        ForRequestError(endpoint, flags, carrier, 413, $"request exceeds max limit of {limitBytes} bytes");

    private static Shape ShapeOf(MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier)
    {
        if (flags.Strict) return Shape.Import;
        // Node's mixpanel.import() posts data= without strict and fails unless the body is exactly "1".
        if (endpoint == MixpanelEndpoint.Import && carrier is MixpanelCarrier.JsonBody or MixpanelCarrier.NdjsonBody) return Shape.Import;
        return flags.Verbose ? Shape.Verbose : Shape.Plain;
    }

    private static string Noun(MixpanelEndpoint endpoint) =>
        endpoint is MixpanelEndpoint.Engage or MixpanelEndpoint.Groups ? "profile update" : "event";

    private static string Summarise(IReadOnlyList<ItemError> errors, int total, string noun)
    {
        const int shown = 3;
        var text = new StringBuilder();
        text.Append(errors.Count).Append(" of ").Append(total).Append(' ').Append(noun).Append(total == 1 ? "" : "s").Append(" rejected: ");
        for (var i = 0; i < Math.Min(shown, errors.Count); i++)
        {
            if (i > 0) text.Append("; ");
            text.Append(errors[i].Describe(noun));
        }
        if (errors.Count > shown) text.Append("; and ").Append(errors.Count - shown).Append(" more");
        return text.ToString();
    }

    private static string StatusText(int statusCode) => statusCode switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        _ => "Error",
    };

    private static byte[] ImportError(MixpanelRequestFlags flags, int statusCode, string message) => Write(flags, w =>
    {
        w.WriteNumber("code", statusCode);
        w.WriteString("error", message);
        w.WriteString("status", StatusText(statusCode));
    });

    private static byte[] VerboseBody(MixpanelRequestFlags flags, int status, string? error) => Write(flags, w =>
    {
        w.WriteNumber("status", status);
        if (error is null) w.WriteNull("error");
        else w.WriteString("error", error);
    });

    // Messages quote field names in backticks; the relaxed encoder keeps them readable in JSON replies. JSONP replies
    // are script, so they keep the default encoder, which escapes <, >, &, quotes, backticks and non-ASCII.
    private static readonly JsonWriterOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions ScriptSafe = new() { Encoder = JavaScriptEncoder.Default };

    private static byte[] Write(MixpanelRequestFlags flags, Action<Utf8JsonWriter> properties)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, flags.Callback is null ? Readable : ScriptSafe))
        {
            writer.WriteStartObject();
            properties(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static MixpanelResponse Wrap(MixpanelRequestFlags flags, int statusCode, string contentType, byte[] body, string? error)
    {
        if (flags.Callback is { } callback)
        {
            var name = Encoding.ASCII.GetBytes(callback);
            var script = new byte[name.Length + body.Length + 2];
            name.CopyTo(script, 0);
            script[name.Length] = (byte)'(';
            body.CopyTo(script, name.Length + 1);
            script[^1] = (byte)')';
            return new MixpanelResponse(statusCode, "text/javascript; charset=utf-8", script, error);
        }
        if (flags.Img) return new MixpanelResponse(statusCode, "image/gif", TransparentGif, error);
        return new MixpanelResponse(statusCode, contentType, body, error);
    }
}
