using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Veil.Tests.Http;

/// <summary>
/// Limits and bad input (promise 5): each is refused with a 4xx that names the problem, never a 5xx, and never
/// costs the good events sent beside it.
/// </summary>
public sealed class BadInputTests(ServerFixture veil) : IClassFixture<ServerFixture>
{
    private const int TenMiB = 10 * 1024 * 1024;

    private Task<Reply> TrackAsync(string formBody, string query = "?verbose=1") =>
        veil.Client.SendForReplyAsync(VeilHttp.Post("/track" + query, formBody));

    private Task<Reply> ImportAsync(byte[] body, string query = "?strict=1", string contentType = VeilHttp.Json, string? contentEncoding = null) =>
        veil.Client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Post, "/import" + query, body, contentType, contentEncoding).WithBasic(veil.Secret));

    [Fact]
    public async Task More_than_2000_events_is_refused_naming_the_limit()
    {
        var name = Payloads.Name("too many");
        var events = Enumerable.Range(0, 2001).Select(_ => (JsonNode)Payloads.ImportEvent(name)).ToArray();
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(events)));
        reply.AssertRefused(400, "2001", "2000");
        Assert.Equal(0, await veil.StoredAsync(name));

        // Exactly at the limit is fine.
        reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(events[..2000])));
        reply.AssertOk("""{"code":200,"num_records_imported":2000,"status":"OK"}""");
        Assert.Equal(2000, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task A_wrong_method_is_405_naming_the_allowed_ones()
    {
        // Not 403 (as if an endpoint had no authorization rule) and not 404: the path exists, the method does not.
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Put, HttpMethod.Delete })
        {
            using var response = await veil.Client.SendAsync(new HttpRequestMessage(method, "/api/events"));
            Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Contains("POST", response.Content.Headers.Allow);
        }
    }

    [Fact]
    public async Task A_body_over_10_MiB_is_413()
    {
        var body = Encoding.UTF8.GetBytes("data=" + new string('A', TenMiB));
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Post, "/track?verbose=1", body, VeilHttp.Form));
        reply.AssertRefused(413, "limit");
    }

    [Fact]
    public async Task A_gzip_bomb_is_413_quickly()
    {
        var bomb = Bomb(200L * 1024 * 1024);
        Assert.True(bomb.Length < 1024 * 1024, $"bomb is {bomb.Length} bytes");
        var clock = Stopwatch.StartNew();
        var reply = await ImportAsync(bomb, contentEncoding: "gzip");
        reply.AssertRefused(413, "decompressed");
        // Unflagged gzip is sniffed, and capped the same way.
        reply = await veil.Client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Post, "/track", bomb, "text/plain"));
        reply.AssertRefused(413);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_10_MB_property_value_is_refused()
    {
        var name = Payloads.Name("huge value");
        var ev = Payloads.ImportEvent(name);
        ev["properties"]!["blob"] = new string('x', 10_000_000);
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(ev)));
        reply.AssertRefused(null, "limit");
        Assert.Equal(0, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task A_300_KB_property_value_is_refused_naming_the_property()
    {
        var name = Payloads.Name("long value");
        var ev = Payloads.ImportEvent(name);
        ev["properties"]!["notes"] = new string('x', 300 * 1024);
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(ev)));
        reply.AssertRefused(400, "properties.notes", "limit");
        Assert.Equal(0, await veil.StoredAsync(name));
    }

    [Theory]
    [InlineData("""[{"event":"x","properties":{"time":1,}""", "not valid JSON")]
    [InlineData("""{"event":"x" "properties":{}}""", "not valid JSON")]
    [InlineData("[1, 2", "not valid JSON")]
    [InlineData("\"just a string\"", "neither JSON nor a form")]
    public async Task Malformed_json_is_400(string json, string mention)
    {
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(json));
        reply.AssertRefused(400, mention);
    }

    [Theory]
    [InlineData("data=%%%not-base64%%%")]
    [InlineData("data=QUJD")] // base64 of "ABC", not JSON
    [InlineData("data=eyJldmVudCI6")] // base64 of a truncated object
    [InlineData("data=")]
    [InlineData("nothing=here")]
    public async Task Bad_base64_or_missing_data_is_400(string body)
    {
        var reply = await TrackAsync(body);
        reply.AssertRefused(400, "data");
    }

    [Fact]
    public async Task Bad_gzip_is_400()
    {
        var gzip = Payloads.Gzip(Payloads.Array(Payloads.ImportEvent("x")));
        var reply = await ImportAsync(gzip[..(gzip.Length / 2)], contentEncoding: "gzip");
        reply.AssertRefused(400, "gzip");
        reply = await ImportAsync("not gzip at all"u8.ToArray(), contentEncoding: "gzip");
        reply.AssertRefused(400, "gzip");
        var corrupt = (byte[])gzip.Clone();
        for (var i = 10; i < corrupt.Length - 8; i++) corrupt[i] ^= 0x5A;
        reply = await ImportAsync(corrupt);
        reply.AssertRefused(400, "gzip");
        reply = await ImportAsync(gzip, contentEncoding: "zstd");
        reply.AssertRefused(400, "zstd");
    }

    [Fact]
    public async Task Invalid_utf8_is_400()
    {
        var body = Encoding.UTF8.GetBytes(Payloads.Array(Payloads.ImportEvent("utf8 \u00e9")));
        var at = Array.IndexOf(body, (byte)0xC3);
        body[at] = 0xFF;
        var reply = await ImportAsync(body);
        reply.AssertRefused(400, "UTF-8");

        // The same bytes inside base64 on /track.
        var ev = Encoding.UTF8.GetBytes(Payloads.Event("utf8 \u00e9", veil.Token).ToJsonString(Payloads.AsBrowsersWrite));
        ev[Array.IndexOf(ev, (byte)0xC3)] = 0xFE;
        reply = await TrackAsync("data=" + Uri.EscapeDataString(Convert.ToBase64String(ev)));
        reply.AssertRefused(400, "UTF-8");
    }

    [Fact]
    public async Task Deep_nesting_is_400()
    {
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)));
        reply.AssertRefused(400, "deeper");

        // Nested objects inside a property: Mixpanel allows three levels.
        var name = Payloads.Name("nested");
        var ev = Payloads.ImportEvent(name);
        ev["properties"]!["a"] = JsonNode.Parse("""{"b":{"c":{"d":{"e":1}}}}""");
        reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(ev)));
        reply.AssertRefused(400, "properties.a");
        Assert.Equal(0, await veil.StoredAsync(name));
    }

    [Theory]
    [InlineData("""{"properties":{"token":"TOKEN","time":1795000000}}""", "missing `event`")]
    [InlineData("""{"event":"","properties":{"token":"TOKEN"}}""", "`event` is empty")]
    [InlineData("""{"event":42,"properties":{"token":"TOKEN"}}""", "`event` must be a string")]
    [InlineData("""{"event":"a\u0007b","properties":{"token":"TOKEN"}}""", "control character")]
    [InlineData("""{"event":"x","properties":{"token":"TOKEN","time":"yesterday"}}""", "properties.time")]
    [InlineData("""{"event":"x","properties":{"token":"TOKEN","time":-5}}""", "negative")]
    [InlineData("""{"event":"x","properties":{"token":"TOKEN","time":1e20}}""", "year 3000")]
    [InlineData("""{"event":"x","properties":{"token":"TOKEN","time":true}}""", "properties.time")]
    [InlineData("""{"event":"x","properties":"TOKEN"}""", "`properties` must be an object")]
    [InlineData("""{"event":"x","properties":{"time":1795000000}}""", "token")]
    public async Task An_invalid_event_is_refused_naming_the_field(string template, string mention)
    {
        var json = template.Replace("TOKEN", veil.Token, StringComparison.Ordinal);
        var reply = await TrackAsync("data=" + Uri.EscapeDataString(json));
        reply.AssertRefused(400, mention);
        // The plain reply is `0`; the reason travels in X-Veil-Error.
        reply = await TrackAsync("data=" + Uri.EscapeDataString(Payloads.Base64(json)), query: "");
        Assert.Equal("0", reply.Text);
        reply.AssertRefused(400, mention);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData(-5)]
    [InlineData(1e20)]
    [InlineData(1.0)] // 1970-01-01T00:00:01Z, before /import's 1971 floor
    public async Task Absurd_import_times_are_refused_naming_the_field(object time)
    {
        var name = Payloads.Name("absurd time");
        var ev = Payloads.ImportEvent(name, time: JsonValue.Create(time));
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(ev)));
        reply.AssertRefused(400, "properties.time");
        Assert.Equal(0, await veil.StoredAsync(name));
    }

    [Theory]
    [InlineData("a'; DROP TABLE events;--")]
    [InlineData("name\u0000with nul")]
    [InlineData("tab\there")]
    [InlineData("back`tick")]
    [InlineData("quote\"d")]
    [InlineData("back\\slash")]
    public async Task Bad_property_names_are_refused_by_name_and_the_rest_of_the_batch_is_kept(string property)
    {
        var name = Payloads.Name("bad property name");
        var bad = Payloads.ImportEvent(name);
        bad["properties"]![property] = "x";
        var body = Payloads.Array(Payloads.ImportEvent(name), bad, Payloads.ImportEvent(name));

        var reply = await ImportAsync(Encoding.UTF8.GetBytes(body));
        Assert.Equal(400, reply.Status);
        using var json = JsonDocument.Parse(reply.Body);
        Assert.Equal(2, json.RootElement.GetProperty("num_records_imported").GetInt32());
        var failed = Assert.Single(json.RootElement.GetProperty("failed_records").EnumerateArray());
        Assert.Equal(1, failed.GetProperty("index").GetInt32());
        Assert.Equal("properties." + Printable(property), failed.GetProperty("field").GetString());
        Assert.Contains("property name", failed.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, await veil.StoredAsync(name));

        // On /track (verbose) the good events are kept too, and the reply says what was refused.
        var trackName = Payloads.Name("bad property name track");
        var trackBad = Payloads.Event(trackName, veil.Token);
        trackBad["properties"]![property] = "x";
        reply = await TrackAsync(Payloads.FormData(Payloads.Array(Payloads.Event(trackName, veil.Token), trackBad)));
        Assert.Equal(200, reply.Status);
        Assert.Contains("1 of 2 events rejected", reply.Text, StringComparison.Ordinal);
        Assert.Equal(1, await veil.StoredAsync(trackName));
    }

    [Fact]
    public async Task Sql_metacharacters_in_names_and_values_are_just_text()
    {
        // Accepted where they are allowed (event names, values) and stored as given; the table is untouched.
        var name = "x'); DROP TABLE events;-- " + Guid.NewGuid().ToString("N")[..8];
        var ev = Payloads.ImportEvent(name);
        ev["properties"]!["comment"] = "'; DELETE FROM events WHERE 1=1; --";
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(ev)));
        reply.AssertOk("""{"code":200,"num_records_imported":1,"status":"OK"}""");
        // Counted by its exact name through a query on the same table.
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Strict_import_with_one_bad_and_two_good_reports_the_bad_and_stores_the_good()
    {
        var name = Payloads.Name("strict partial");
        var bad = Payloads.ImportEvent(name);
        bad["properties"]!.AsObject().Remove("distinct_id");
        var good1 = Payloads.ImportEvent(name);
        var good2 = Payloads.ImportEvent(name);
        var reply = await ImportAsync(Encoding.UTF8.GetBytes(Payloads.Array(good1, bad, good2)));

        Assert.Equal(400, reply.Status);
        Assert.NotNull(reply.Header("X-Veil-Error"));
        using var json = JsonDocument.Parse(reply.Body);
        var root = json.RootElement;
        Assert.Equal(400, root.GetProperty("code").GetInt32());
        Assert.Equal(2, root.GetProperty("num_records_imported").GetInt32());
        var failed = Assert.Single(root.GetProperty("failed_records").EnumerateArray());
        Assert.Equal(1, failed.GetProperty("index").GetInt32());
        Assert.Equal("properties.distinct_id", failed.GetProperty("field").GetString());
        Assert.Equal((string)bad["properties"]!["$insert_id"]!, failed.GetProperty("insert_id").GetString());
        Assert.Contains("distinct_id", failed.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, await veil.StoredAsync(name));
    }

    /// <summary>Gzip of <paramref name="size"/> zero bytes.</summary>
    private static byte[] Bomb(long size)
    {
        var zeros = new byte[1024 * 1024];
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            for (long written = 0; written < size; written += zeros.Length) gzip.Write(zeros);
        }
        return output.ToArray();
    }

    /// <summary>A property name as the server quotes it in a field path: as it was written in the JSON, escapes kept.</summary>
    private static string Printable(string name) => JsonSerializer.Serialize(name, Payloads.AsBrowsersWrite)[1..^1];
}
