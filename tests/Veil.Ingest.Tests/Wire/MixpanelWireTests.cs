using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Text;
using Veil.Ingest.Wire;
using static Veil.Ingest.Tests.Wire.TestRequests;

namespace Veil.Ingest.Tests.Wire;

/// <summary>Carriers, encodings, parameters and request-level errors of <see cref="MixpanelWire.Decode"/>.</summary>
public sealed class MixpanelWireTests
{
    private const long Now = 1_795_908_983_000;
    private const long NowSeconds = Now / 1000;

    private static string[] Names(MixpanelDecodeResult decoded) =>
        [.. decoded.Items.Select(i => i.Value.GetProperty("event").GetString()!)];

    private static MixpanelDecodeResult AssertRefused(int status, string messagePart, MixpanelDecodeResult decoded)
    {
        Assert.False(decoded.Succeeded);
        Assert.Equal(status, decoded.StatusCode);
        Assert.Contains(messagePart, decoded.ErrorMessage, StringComparison.Ordinal);
        return decoded;
    }

    // A payload whose base64 contains both '+' and '/', the characters form decoding and URL-safe alphabets change.
    private static string PayloadWithPlusAndSlash()
    {
        for (var i = 0; ; i++)
        {
            var json = "[" + Event("Signed Up", NowSeconds, $"\"x\":\"{new string('~', i)}>?>?\"") + "]";
            var b64 = Base64(json);
            if (b64.Contains('+') && b64.Contains('/')) return json;
        }
    }

    [Fact]
    public void Query_data_base64_as_the_Node_SDK_sends_it()
    {
        var json = Event("Signed Up", NowSeconds);
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Get("/track", "?ip=0&verbose=0&data=" + Uri.EscapeDataString(Base64(json))));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(MixpanelCarrier.QueryData, decoded.Carrier);
        Assert.Equal(["Signed Up"], Names(decoded));
        Assert.False(decoded.Flags.Verbose);
        Assert.False(decoded.Flags.Ip);
    }

    [Fact]
    public void Form_body_with_raw_unescaped_base64_keeps_its_plus_signs()
    {
        var json = PayloadWithPlusAndSlash();
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "?ip=0&verbose=0", Form, "data=" + Base64(json)));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(MixpanelCarrier.FormData, decoded.Carrier);
        Assert.Equal(["Signed Up"], Names(decoded));
    }

    [Fact]
    public void Base64_whose_plus_signs_became_spaces_still_decodes()
    {
        var json = PayloadWithPlusAndSlash();
        var mangled = Base64(json).Replace('+', ' ');
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + mangled));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(json, decoded.Document!.RootElement.GetRawText());
    }

    [Fact]
    public void Url_safe_base64_without_padding_decodes()
    {
        var json = PayloadWithPlusAndSlash() + " ";
        var urlSafe = Base64(json).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        Assert.NotEqual(0, Base64(json).Count(c => c == '='));
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Get("/track", "?data=" + urlSafe));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["Signed Up"], Names(decoded));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Base64_missing_its_padding_decodes(int extra)
    {
        var json = Event("E" + new string('x', extra), NowSeconds);
        var unpadded = Base64(json).TrimEnd('=');
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + unpadded));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["E" + new string('x', extra)], Names(decoded));
    }

    [Fact]
    public void Base64_with_line_breaks_decodes()
    {
        var b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Event("Wrapped", NowSeconds, "\"pad\":\"" + new string('p', 200) + "\"")), Base64FormattingOptions.InsertLineBreaks);
        Assert.Contains('\n', b64);
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + Uri.EscapeDataString(b64)));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
    }

    [Fact]
    public void Form_json_as_the_browser_sends_with_api_payload_format_json()
    {
        var json = "[" + Event("Ev JSON", NowSeconds, "\"q\":\"a+b c&d=e%\"") + "]";
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track/", "?verbose=1&ip=1", Form, "data=" + Uri.EscapeDataString(json)));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal("a+b c&d=e%", decoded.Items[0].Value.GetProperty("properties").GetProperty("q").GetString());
    }

    [Fact]
    public void Form_json_with_plus_for_space_as_html_forms_and_python_send_it()
    {
        var json = Event("Signed Up", NowSeconds, "\"q\":\"a+b c\"");
        var body = "data=" + WebUtility.UrlEncode(json) + "&verbose=1&ip=0";
        Assert.Contains('+', body);
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, body));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["Signed Up"], Names(decoded));
        Assert.Equal("a+b c", decoded.Items[0].Value.GetProperty("properties").GetProperty("q").GetString());
        Assert.True(decoded.Flags.Verbose);
    }

    [Fact]
    public void SendBeacon_text_plain_body_is_read_as_a_form()
    {
        var body = "data=" + Uri.EscapeDataString(Base64("[" + Event("$mp_page_leave", NowSeconds) + "]"));
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track/", "?ip=1&_=1", "text/plain;charset=UTF-8", body));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(MixpanelCarrier.FormData, decoded.Carrier);
        Assert.Equal(["$mp_page_leave"], Names(decoded));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public void Json_array_body(string? contentType)
    {
        var json = "[" + Event("A", NowSeconds) + "," + Event("B", NowSeconds) + "]";
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "?strict=1", contentType, json));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(MixpanelCarrier.JsonBody, decoded.Carrier);
        Assert.Equal(["A", "B"], Names(decoded));
        Assert.True(decoded.Flags.Strict);
    }

    [Fact]
    public void Base64_of_json_with_a_byte_order_mark()
    {
        var data = Convert.ToBase64String([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Event("Bom", NowSeconds))]);
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + data));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["Bom"], Names(decoded));
    }

    [Fact]
    public void Json_object_body_with_a_byte_order_mark()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Event("Bom", NowSeconds))];
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", body));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["Bom"], Names(decoded));
    }

    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData(null)]
    public void Ndjson_body(string? contentType)
    {
        var body = Event("A", NowSeconds) + "\r\n" + Event("B", NowSeconds) + "\n\n" + Event("C", NowSeconds) + "\n";
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "", contentType, body));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(MixpanelCarrier.NdjsonBody, decoded.Carrier);
        Assert.Equal(["A", "B", "C"], Names(decoded));
        Assert.Equal([0, 1, 2], decoded.Items.Select(i => i.Index));
    }

    [Fact]
    public void Ndjson_with_one_bad_line_keeps_the_others()
    {
        var body = Event("A", NowSeconds) + "\n" + "{\"event\":\"B\",\"properties\":{" + "\n" + Event("C", NowSeconds) + "\n" + "{\"event\":\"\xFF\"}";
        var bytes = Encoding.UTF8.GetBytes(body);
        bytes[^4] = 0xFF; // an invalid UTF-8 byte on the last line
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "", "application/x-ndjson", bytes));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["A", "C"], Names(decoded));
        Assert.Equal([0, 2], decoded.Items.Select(i => i.Index));
        Assert.Equal(4, decoded.ItemCount);
        Assert.Collection(decoded.ItemErrors,
            e => { Assert.Equal(1, e.Index); Assert.Contains("line 2 is not valid JSON", e.Message, StringComparison.Ordinal); },
            e => { Assert.Equal(3, e.Index); Assert.Contains("line 4 is not valid UTF-8", e.Message, StringComparison.Ordinal); });

        var batch = MixpanelEventValidator.ValidateAll(decoded, Now);
        Assert.Equal(["A", "C"], batch.Events.Select(e => e.Name));
        Assert.Equal([1, 3], batch.Errors.Select(e => e.Index));
    }

    [Fact]
    public void Pretty_printed_json_is_not_mistaken_for_ndjson()
    {
        var body = "{\n  \"event\": \"A\",\n  \"properties\": {\"token\": \"T\"}\n}\n";
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", body));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(MixpanelCarrier.JsonBody, decoded.Carrier);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("GZIP")]
    [InlineData(null)]
    public void Gzip_json_body_with_or_without_the_header(string? contentEncoding)
    {
        var body = Gzip("[" + Event("Zipped", NowSeconds) + "]");
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "", "text/plain", body, contentEncoding));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["Zipped"], Names(decoded));
    }

    [Fact]
    public void Concatenated_gzip_members_decode_whole()
    {
        byte[] body = [.. Gzip(Event("A", NowSeconds) + "\n"), .. Gzip(Event("B", NowSeconds) + "\n")];
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "", "application/x-ndjson", body, "gzip"));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["A", "B"], Names(decoded));
    }

    [Fact]
    public void Gzip_form_body()
    {
        var body = Gzip("data=" + Base64(Event("Zipped form", NowSeconds)));
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, body, "gzip"));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(["Zipped form"], Names(decoded));
    }

    [Fact]
    public void Deflate_and_brotli_bodies()
    {
        var json = Encoding.UTF8.GetBytes("[" + Event("Squeezed", NowSeconds) + "]");
        foreach (var (name, make) in new (string, Func<Stream, Stream>)[]
        {
            ("deflate", s => new ZLibStream(s, CompressionLevel.Fastest)),
            ("deflate", s => new DeflateStream(s, CompressionLevel.Fastest)),
            ("br", s => new BrotliStream(s, CompressionLevel.Fastest)),
        })
        {
            using var output = new MemoryStream();
            using (var compressor = make(output)) compressor.Write(json);
            using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", output.ToArray(), name));
            Assert.True(decoded.Succeeded, $"{name}: {decoded.ErrorMessage}");
            Assert.Equal(["Squeezed"], Names(decoded));
        }
    }

    [Fact]
    public void Gzip_bomb_is_refused_with_413_quickly()
    {
        // 64 MiB of zeros is ~64 KB of gzip; the cap is 10 MiB, so decoding must stop early.
        var zeros = new byte[1024 * 1024];
        byte[] bomb;
        using (var output = new MemoryStream())
        {
            using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
            {
                for (var i = 0; i < 64; i++) gzip.Write(zeros);
            }
            bomb = output.ToArray();
        }
        Assert.True(bomb.Length < 1024 * 1024);
        var clock = Stopwatch.StartNew();
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "", "application/json", bomb, "gzip"));
        clock.Stop();
        AssertRefused(413, "decompressed body exceeds max limit of 10485760 bytes", decoded);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Bad_gzip_is_refused_naming_it()
    {
        AssertRefused(400, "body is not valid gzip",
            MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", Event("A", 1), "gzip")));
        var truncated = Gzip("[" + Event("A", NowSeconds, "\"pad\":\"" + new string('z', 5000) + "\"") + "]")[..40];
        AssertRefused(400, "body is not valid gzip", MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", truncated)));
        AssertRefused(400, "body is not valid gzip", MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", Gzip("[]")[..12])));
        byte[] corrupt = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        AssertRefused(400, "body is not valid gzip", MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", null, corrupt)));
    }

    [Fact]
    public void Unsupported_content_encoding_is_refused() =>
        AssertRefused(400, "Content-Encoding `zstd` is not supported",
            MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", "[]", "zstd")));

    [Fact]
    public void Oversized_body_is_refused_with_413()
    {
        var limits = new WireLimits { MaxBodyBytes = 1000 };
        var body = "data=" + Base64("[" + Event("Big", NowSeconds, "\"pad\":\"" + new string('b', 2000) + "\"") + "]");
        AssertRefused(413, "request exceeds max limit of 1000 bytes", MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, body), limits));
        AssertRefused(413, "request exceeds max limit of 1000 bytes", MixpanelWire.Decode(MixpanelEndpoint.Track, Get("/track", "?" + body), limits));
    }

    [Fact]
    public void Decoded_payload_over_the_cap_is_refused_with_413()
    {
        var limits = new WireLimits { MaxDecodedBytes = 1000 };
        var json = "[" + Event("Big", NowSeconds, "\"pad\":\"" + new string('b', 2000) + "\"") + "]";
        AssertRefused(413, "exceeds max limit of 1000 bytes", MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", json), limits));
        AssertRefused(413, "exceeds max limit of 1000 bytes", MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + Base64(json)), limits));
    }

    [Theory]
    [InlineData("", "request has no data")]
    [InlineData("   ", "request has no data")]
    [InlineData("data=", "`data` is empty")]
    [InlineData("verbose=1&data=", "`data` is empty")]
    [InlineData("hello", "body is neither JSON nor a form with a `data` field")]
    [InlineData("data=not*base64!", "`data` is neither JSON nor base64 of JSON")]
    [InlineData("data=aGVsbG8gd29ybGQ=", "it is base64, but of something else")]
    [InlineData("data=%7B%22event%22%3A", "`data` is not valid JSON")]
    [InlineData("data=eyJldmVudCI6", "`data` (base64-decoded) is not valid JSON")]
    [InlineData("[{\"event\":\"a\"},]", "body is not valid JSON")]
    [InlineData("1", "body is neither JSON nor a form")]
    [InlineData("data=1", "`data` is neither JSON nor base64 of JSON")]
    public void Bad_payloads_are_refused_with_a_message_naming_the_problem(string body, string messagePart)
    {
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, body));
        AssertRefused(400, messagePart, decoded);
    }

    [Fact]
    public void Invalid_utf8_is_refused_naming_it()
    {
        var json = Encoding.UTF8.GetBytes(Event("Caf\u00e9", NowSeconds));
        var at = Array.IndexOf(json, (byte)0xC3);
        json[at + 1] = 0x28; // C3 28 is not UTF-8
        AssertRefused(400, $"body is not valid UTF-8 (invalid byte sequence at offset {at})",
            MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", json)));
        AssertRefused(400, "`data` (base64-decoded) is not valid UTF-8",
            MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + Convert.ToBase64String(json))));
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var deep = new string('[', 65) + new string(']', 65);
        AssertRefused(400, "body nests deeper than 64 levels",
            MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", "application/json", deep)));
        var deepEvent = Event("Deep", NowSeconds, "\"d\":" + new string('[', 70) + new string(']', 70));
        using var ndjson = MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "", "application/x-ndjson", Event("A", NowSeconds) + "\n" + deepEvent));
        Assert.Contains("line 2 nests deeper than 64 levels", Assert.Single(ndjson.ItemErrors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_2000_items_are_refused()
    {
        var events = "[" + string.Join(",", Enumerable.Repeat(Event("E", NowSeconds), 2001)) + "]";
        AssertRefused(400, "2001 events in one request; the limit is 2000",
            MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + Base64(events))));
        var ndjson = string.Join("\n", Enumerable.Repeat(Event("E", NowSeconds), 2001));
        AssertRefused(400, "2001 events in one request; the limit is 2000",
            MixpanelWire.Decode(MixpanelEndpoint.Import, Post("/import", "", "application/x-ndjson", ndjson)));
        var updates = "[" + string.Join(",", Enumerable.Repeat("""{"$token":"T","$distinct_id":"u","$set":{"a":1}}""", 2001)) + "]";
        AssertRefused(400, "2001 profile updates in one request; the limit is 2000",
            MixpanelWire.Decode(MixpanelEndpoint.Engage, Post("/engage", "", Form, "data=" + Base64(updates))));
        using var exactly = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form,
            "data=" + Base64("[" + string.Join(",", Enumerable.Repeat(Event("E", NowSeconds), 2000)) + "]")));
        Assert.Equal(2000, exactly.Items.Count);
    }

    [Fact]
    public void Ip_defaults_follow_the_endpoint()
    {
        var data = "data=" + Base64("""{"$token":"T","$distinct_id":"u","$set":{"a":1}}""");
        using var engage = MixpanelWire.Decode(MixpanelEndpoint.Engage, Get("/engage", "?" + data));
        Assert.True(engage.Flags.Ip);
        using var engageOff = MixpanelWire.Decode(MixpanelEndpoint.Engage, Get("/engage", "?ip=0&" + data));
        Assert.False(engageOff.Flags.Ip);
        using var track = MixpanelWire.Decode(MixpanelEndpoint.Track, Get("/track", "?data=" + Base64(Event("A", 1))));
        Assert.False(track.Flags.Ip);
        using var address = MixpanelWire.Decode(MixpanelEndpoint.Track, Get("/track", "?ip=203.0.113.7&data=" + Base64(Event("A", 1))));
        Assert.True(address.Flags.Ip);
        Assert.Equal(IPAddress.Parse("203.0.113.7"), address.Flags.IpOverride);
    }

    [Fact]
    public void Parameters_are_read_from_the_query_and_the_form()
    {
        var data = "data=" + Base64(Event("A", 1));
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import,
            Post("/import", "?strict=1&project_id=2195193&test=1&img=1&redirect=http%3A%2F%2Fevil&_=123&api_key=k", Form, data + "&verbose=true"));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(new MixpanelRequestFlags { Strict = true, ProjectId = 2195193, Test = true, Img = true, Verbose = true }, decoded.Flags);
    }

    [Theory]
    [InlineData("mixpanel._jsc%5B%2212345678%22%5D", "mixpanel._jsc[\"12345678\"]")]
    [InlineData("mixpanel._jsc%5B12345678%5D", "mixpanel._jsc[12345678]")]
    [InlineData("%28function%28%29%7B%7D%29", "(function(){})")]
    [InlineData("cb", "cb")]
    [InlineData("$.my_cb", "$.my_cb")]
    public void Jsonp_callbacks_the_browser_SDK_sends_are_accepted(string raw, string expected)
    {
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Get("/track", "?callback=" + raw + "&data=" + Base64(Event("A", 1))));
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        Assert.Equal(expected, decoded.Flags.Callback);
    }

    [Theory]
    [InlineData("alert(1)")]
    [InlineData("a;b")]
    [InlineData("a%3Cscript%3E")]
    [InlineData("1abc")]
    [InlineData("a%5B%22x%27%5D")]
    [InlineData("a..b")]
    public void Other_callbacks_are_refused(string raw) =>
        AssertRefused(400, "`callback` must be a JavaScript function name",
            MixpanelWire.Decode(MixpanelEndpoint.Track, Get("/track", "?callback=" + raw + "&data=" + Base64(Event("A", 1)))));

    [Fact]
    public void A_non_numeric_project_id_is_refused() =>
        AssertRefused(400, "`project_id` must be a number",
            MixpanelWire.Decode(MixpanelEndpoint.Import, Get("/import", "?project_id=abc&data=" + Base64(Event("A", 1)))));

    [Fact]
    public void Json_body_is_parsed_without_a_copy_and_disposal_returns_buffers()
    {
        var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, Post("/track", "", Form, "data=" + Base64(Event("A", 1))));
        decoded.Dispose();
        decoded.Dispose(); // idempotent
    }
}
