using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Veil.Tests.Http;

/// <summary>Every way the SDKs wrap events arrives and is stored: query, form, base64 flavours, JSON, NDJSON, gzip, reply formats.</summary>
public sealed class EncodingTests(ServerFixture veil) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Data_as_base64_in_a_GET_query_is_stored()
    {
        var name = Payloads.Name("query base64");
        var reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get,
            "/track?ip=0&verbose=0&data=" + Uri.EscapeDataString(Payloads.Base64(Payloads.Event(name, veil.Token).ToJsonString()))));
        reply.AssertOk("1");
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Form_body_with_unescaped_base64_containing_plus_is_stored()
    {
        // The Node SDK posts data=<base64> without escaping '+', which form decoding would turn into a space.
        var (name, json) = WithBase64Containing('+');
        var body = "data=" + Payloads.Base64(json);
        Assert.Contains('+', body);
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track?ip=0&verbose=0", body));
        reply.AssertOk("1");
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Url_safe_base64_without_padding_is_stored()
    {
        var (name, json) = WithBase64Containing('+', '/');
        var urlSafe = Payloads.Base64Url(json);
        Assert.True(urlSafe.Contains('-', StringComparison.Ordinal) && urlSafe.Contains('_', StringComparison.Ordinal));
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", "data=" + urlSafe));
        reply.AssertOk(VeilHttp.VerboseOk);
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Json_array_body_to_import_with_the_secret_is_stored()
    {
        var name = Payloads.Name("import json");
        var reply = await veil.Client.SendForReplyAsync(
            VeilHttp.Post("/import", Payloads.Array(Payloads.ImportEvent(name), Payloads.ImportEvent(name)), VeilHttp.Json).WithBasic(veil.Secret));
        reply.AssertOk("""{"code":200,"num_records_imported":2,"status":"OK"}""");
        Assert.Equal(2, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Ndjson_body_to_import_is_stored()
    {
        var name = Payloads.Name("ndjson");
        var body = string.Join("\n", Enumerable.Range(0, 3).Select(_ => Payloads.ImportEvent(name).ToJsonString())) + "\n";
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/import?strict=1", body, "application/x-ndjson").WithBasic(veil.Secret));
        reply.AssertOk("""{"code":200,"num_records_imported":3,"status":"OK"}""");
        Assert.Equal(3, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Gzip_with_Content_Encoding_is_stored()
    {
        var name = Payloads.Name("gzip header");
        var body = Payloads.Gzip(Payloads.Array(Payloads.ImportEvent(name)));
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Post, "/import", body, VeilHttp.Json, "gzip").WithBasic(veil.Secret));
        reply.AssertOk("""{"code":200,"num_records_imported":1,"status":"OK"}""");
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Gzip_without_a_header_is_recognised_by_its_magic_bytes()
    {
        // posthog-js and sendBeacon callers send gzip as text/plain with no Content-Encoding.
        var name = Payloads.Name("gzip sniffed");
        var body = Payloads.Gzip(Payloads.Array(Payloads.Event(name, veil.Token)));
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Post, "/track?verbose=1", body, "text/plain"));
        reply.AssertOk(VeilHttp.VerboseOk);
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Img_1_answers_a_gif()
    {
        var name = Payloads.Name("img");
        var reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get,
            "/track?img=1&data=" + Uri.EscapeDataString(Payloads.Base64(Payloads.Event(name, veil.Token).ToJsonString()))));
        Assert.Equal(200, reply.Status);
        Assert.StartsWith("image/gif", reply.ContentType);
        Assert.Equal("GIF89a"u8.ToArray(), reply.Body[..6]);
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Callback_answers_jsonp()
    {
        var name = Payloads.Name("jsonp");
        var reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get,
            "/track?callback=cb&data=" + Uri.EscapeDataString(Payloads.Base64(Payloads.Event(name, veil.Token).ToJsonString()))));
        reply.AssertOk("cb(1)");
        Assert.StartsWith("text/javascript", reply.ContentType);
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Callback_that_is_not_a_function_name_is_refused()
    {
        var reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get,
            "/track?callback=" + Uri.EscapeDataString("alert(1)//") + "&data=" + Uri.EscapeDataString(Payloads.Base64(Payloads.Event("x", veil.Token).ToJsonString()))));
        Assert.DoesNotContain("alert", reply.Text, StringComparison.Ordinal);
        reply.AssertRefused(400, "callback");
    }

    [Theory]
    [InlineData("/track/")]
    [InlineData("/track")]
    public async Task Track_with_and_without_trailing_slash(string path)
    {
        var name = Payloads.Name("slash");
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post(path + "?verbose=1&ip=1&_=1", Payloads.FormData(Payloads.Array(Payloads.Event(name, veil.Token)))));
        reply.AssertOk(VeilHttp.VerboseOk);
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Seconds_fractional_seconds_and_milliseconds_store_the_same_instant()
    {
        // The dedup key holds the time to the millisecond: one instant written four ways must collapse into one
        // event, and one millisecond later must not. The day is checked too, on the last millisecond of a day.
        var lastMsOfDay = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 86_400_000 - 2) * 86_400_000 - 1;
        var seconds = lastMsOfDay / 1000.0;
        var name = Payloads.Name("time units");
        var spellings = new JsonNode[]
        {
            JsonValue.Create(seconds), // 1795…999.999 seconds
            JsonValue.Create(lastMsOfDay), // milliseconds
            JsonValue.Create(seconds.ToString("R", CultureInfo.InvariantCulture)), // numeric string
            JsonValue.Create(lastMsOfDay.ToString(CultureInfo.InvariantCulture)),
        };
        var events = spellings.Select(t => Payloads.Event(name, veil.Token, "time-user", t, insertId: "same-instant")).ToList();
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array([.. events]))));
        reply.AssertOk(VeilHttp.VerboseOk);
        Assert.Equal(1, await veil.StoredAsync(name));

        // Whole seconds: the same for an integer seconds value and its milliseconds.
        var wholeSecond = lastMsOfDay / 1000 - 60;
        reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(
            Payloads.Event(name, veil.Token, "time-user", JsonValue.Create(wholeSecond), "whole-second"),
            Payloads.Event(name, veil.Token, "time-user", JsonValue.Create(wholeSecond * 1000), "whole-second"),
            Payloads.Event(name, veil.Token, "time-user", JsonValue.Create(wholeSecond * 1000 + 1), "whole-second")))));
        reply.AssertOk(VeilHttp.VerboseOk);
        Assert.Equal(3, await veil.StoredAsync(name));

        var day = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(lastMsOfDay).UtcDateTime);
        var perDay = veil.Server.Store.CountEventsPerDay(veil.ProjectId, day.AddDays(-1), day.AddDays(1), name);
        Assert.Equal([(day, 3L)], perDay.Select(d => (d.Day, d.Count)));
    }

    [Fact]
    public async Task A_20_KB_GET_url_is_accepted()
    {
        // Longer than Kestrel's 8 KB default request line; the Node SDK sends single events this way.
        var name = Payloads.Name("long url");
        var ev = Payloads.Event(name, veil.Token);
        ev["properties"]!["padding"] = new string('x', 15_000);
        var url = "/track?ip=0&verbose=0&data=" + Uri.EscapeDataString(Payloads.Base64(ev.ToJsonString()));
        Assert.InRange(url.Length, 20_000, 21_000);
        var reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get, url));
        reply.AssertOk("1");
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    /// <summary>An event whose base64 contains every one of <paramref name="chars"/>, found by varying a padding property.</summary>
    private (string Name, string Json) WithBase64Containing(params char[] chars)
    {
        var name = Payloads.Name("base64 alphabet");
        for (var i = 0; ; i++)
        {
            var ev = Payloads.Event(name, veil.Token);
            ev["properties"]!["pad"] = new string('?', i % 7) + "~>" + i;
            var json = ev.ToJsonString();
            var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
            if (chars.All(c => base64.Contains(c, StringComparison.Ordinal))) return (name, json);
        }
    }
}
