using System.Text;
using System.Text.Json;
using Veil.Ingest.Wire;
using static Veil.Ingest.Tests.Wire.TestRequests;

namespace Veil.Ingest.Tests.Wire;

/// <summary>The reply bodies and status codes of <see cref="MixpanelResponses"/>.</summary>
public sealed class MixpanelResponsesTests
{
    private static readonly ItemError TimeError = new(1, "id-1", "properties.time", "`properties.time` must be seconds or milliseconds since the epoch, got \"yesterday\"");

    private static string Text(MixpanelResponse response) => Encoding.UTF8.GetString(response.Body.Span);

    private static MixpanelResponse Outcome(MixpanelEndpoint endpoint, MixpanelRequestFlags flags, int accepted, params ItemError[] errors) =>
        MixpanelResponses.ForOutcome(endpoint, flags, MixpanelCarrier.FormData, accepted, 0, errors);

    [Fact]
    public void Plain_replies_are_exactly_one_or_zero()
    {
        var ok = Outcome(MixpanelEndpoint.Track, new(), 2);
        Assert.Equal((200, "text/plain; charset=utf-8", "1"), (ok.StatusCode, ok.ContentType, Text(ok)));
        var partial = Outcome(MixpanelEndpoint.Track, new(), 1, TimeError);
        Assert.Equal((200, "1"), (partial.StatusCode, Text(partial)));
        Assert.Contains("1 of 2 events rejected: event 1: `properties.time`", partial.Error, StringComparison.Ordinal);
        var none = Outcome(MixpanelEndpoint.Track, new(), 0, TimeError);
        Assert.Equal((400, "0"), (none.StatusCode, Text(none)));
        var empty = Outcome(MixpanelEndpoint.Engage, new(), 0);
        Assert.Equal((400, "0", "no profile updates in the request"), (empty.StatusCode, Text(empty), empty.Error));
        var onlyTooOld = MixpanelResponses.ForOutcome(MixpanelEndpoint.Track, new(), MixpanelCarrier.FormData, 0, 3, []);
        Assert.Equal((200, "1"), (onlyTooOld.StatusCode, Text(onlyTooOld)));
    }

    [Fact]
    public void Verbose_replies()
    {
        var verbose = new MixpanelRequestFlags { Verbose = true };
        var ok = Outcome(MixpanelEndpoint.Track, verbose, 2);
        Assert.Equal((200, "application/json", """{"status":1,"error":null}"""), (ok.StatusCode, ok.ContentType, Text(ok)));
        var partial = Outcome(MixpanelEndpoint.Track, verbose, 1, TimeError);
        Assert.Equal(200, partial.StatusCode);
        using (var body = JsonDocument.Parse(partial.Body))
        {
            Assert.Equal(1, body.RootElement.GetProperty("status").GetInt32());
            Assert.Equal("1 of 2 events rejected: event 1: `properties.time` must be seconds or milliseconds since the epoch, got \"yesterday\"",
                body.RootElement.GetProperty("error").GetString());
        }
        var none = Outcome(MixpanelEndpoint.Track, verbose, 0, TimeError, TimeError with { Index = 2 }, TimeError with { Index = 3 }, TimeError with { Index = 4 });
        Assert.Equal(400, none.StatusCode);
        using (var body = JsonDocument.Parse(none.Body))
        {
            Assert.Equal(0, body.RootElement.GetProperty("status").GetInt32());
            Assert.EndsWith("; and 1 more", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Strict_import_replies()
    {
        var strict = new MixpanelRequestFlags { Strict = true };
        var ok = MixpanelResponses.ForOutcome(MixpanelEndpoint.Import, strict, MixpanelCarrier.JsonBody, 2, 0, []);
        Assert.Equal((200, """{"code":200,"num_records_imported":2,"status":"OK"}"""), (ok.StatusCode, Text(ok)));
        var partial = MixpanelResponses.ForOutcome(MixpanelEndpoint.Import, strict, MixpanelCarrier.JsonBody, 1, 0, [TimeError]);
        Assert.Equal(400, partial.StatusCode);
        Assert.Equal(
            """{"code":400,"error":"some data points in the request failed validation","status":"Bad Request","num_records_imported":1,"failed_records":[{"index":1,"insert_id":"id-1","field":"properties.time","message":"`properties.time` must be seconds or milliseconds since the epoch, got \"yesterday\""}]}""",
            Text(partial));
    }

    [Fact]
    public void Import_shape_depends_on_the_carrier()
    {
        // Node's import() posts data= without strict and only accepts "1".
        var node = MixpanelResponses.ForOutcome(MixpanelEndpoint.Import, new(), MixpanelCarrier.FormData, 2, 0, []);
        Assert.Equal("1", Text(node));
        var json = MixpanelResponses.ForOutcome(MixpanelEndpoint.Import, new(), MixpanelCarrier.NdjsonBody, 2, 0, []);
        Assert.Equal("""{"code":200,"num_records_imported":2,"status":"OK"}""", Text(json));
        var strictTrack = MixpanelResponses.ForOutcome(MixpanelEndpoint.Track, new() { Strict = true, Verbose = true }, MixpanelCarrier.FormData, 2, 0, []);
        Assert.Equal("""{"code":200,"num_records_imported":2,"status":"OK"}""", Text(strictTrack));
    }

    [Fact]
    public void Request_level_errors_in_each_shape()
    {
        const string message = "body is not valid gzip";
        var plain = MixpanelResponses.ForRequestError(MixpanelEndpoint.Track, new(), MixpanelCarrier.None, 400, message);
        Assert.Equal((400, "0", message), (plain.StatusCode, Text(plain), plain.Error));
        var verbose = MixpanelResponses.ForRequestError(MixpanelEndpoint.Track, new() { Verbose = true }, MixpanelCarrier.None, 400, message);
        Assert.Equal("""{"status":0,"error":"body is not valid gzip"}""", Text(verbose));
        var import = MixpanelResponses.ForRequestError(MixpanelEndpoint.Import, new() { Strict = true }, MixpanelCarrier.None, 413, "request exceeds max limit of 10485760 bytes");
        Assert.Equal((413, """{"code":413,"error":"request exceeds max limit of 10485760 bytes","status":"Payload Too Large"}"""), (import.StatusCode, Text(import)));
    }

    [Fact]
    public void Decode_failures_answer_with_their_status()
    {
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "?verbose=1", Form, "data=%%%"));
        var response = MixpanelResponses.ForDecodeFailure(decoded);
        Assert.Equal(400, response.StatusCode);
        Assert.Equal("""{"status":0,"error":"`data` is neither JSON nor base64 of JSON"}""", Text(response));
    }

    [Fact]
    public void Unauthorized_rate_limited_and_too_large_in_the_import_shape()
    {
        var strict = new MixpanelRequestFlags { Strict = true };
        var unauthorized = MixpanelResponses.Unauthorized(MixpanelEndpoint.Import, strict, MixpanelCarrier.JsonBody);
        Assert.Equal((401, """{"code":401,"error":"Invalid credentials","status":"Unauthorized"}"""), (unauthorized.StatusCode, Text(unauthorized)));
        var limited = MixpanelResponses.RateLimited(MixpanelEndpoint.Import, strict, MixpanelCarrier.JsonBody);
        Assert.Equal((429, """{"code":429,"error":"Project exceeded rate limits. Please retry the request with exponential backoff.","status":"Too Many Requests"}"""),
            (limited.StatusCode, Text(limited)));
        var large = MixpanelResponses.PayloadTooLarge(MixpanelEndpoint.Import, strict, MixpanelCarrier.JsonBody, 2097152);
        Assert.Equal((413, """{"code":413,"error":"request exceeds max limit of 2097152 bytes","status":"Payload Too Large"}"""), (large.StatusCode, Text(large)));
    }

    [Fact]
    public void Img_replies_with_a_transparent_gif()
    {
        var response = Outcome(MixpanelEndpoint.Track, new() { Img = true }, 1);
        Assert.Equal("image/gif", response.ContentType);
        var gif = response.Body.Span;
        Assert.Equal(43, gif.Length);
        Assert.True(gif.StartsWith("GIF89a"u8));
        Assert.Equal((1, 1), (gif[6] | gif[7] << 8, gif[8] | gif[9] << 8));
        Assert.Equal(0x3B, gif[^1]);
    }

    [Fact]
    public void Callback_wraps_the_reply_as_jsonp()
    {
        var plain = Outcome(MixpanelEndpoint.Track, new() { Callback = "f" }, 1);
        Assert.Equal(("text/javascript; charset=utf-8", "f(1)"), (plain.ContentType, Text(plain)));
        var verbose = Outcome(MixpanelEndpoint.Track, new() { Callback = "mixpanel._jsc[\"123\"]", Verbose = true }, 1);
        Assert.Equal("mixpanel._jsc[\"123\"]({\"status\":1,\"error\":null})", Text(verbose));
        var hostile = Outcome(MixpanelEndpoint.Track, new() { Callback = "f", Verbose = true }, 0, TimeError with { Message = "</script><script>alert(1)</script>" });
        Assert.DoesNotContain("<", Text(hostile), StringComparison.Ordinal);
    }
}
