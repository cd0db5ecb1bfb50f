using System.Text;
using System.Text.Json;
using Veil.Ingest.Wire;
using static Veil.Ingest.Tests.Wire.TestRequests;

namespace Veil.Ingest.Tests.Wire;

/// <summary>Per-event rules of <see cref="MixpanelEventValidator"/>.</summary>
public sealed class MixpanelEventValidatorTests : IDisposable
{
    // Decode results stay alive until the test ends, so tests can read the accepted events' JSON.
    private readonly List<MixpanelDecodeResult> _decoded = [];

    public void Dispose()
    {
        foreach (var decoded in _decoded) decoded.Dispose();
    }

    private const long Now = 1_795_908_983_000;
    private const long NowSeconds = Now / 1000;
    private const long Day = 86_400_000;

    private MixpanelEventBatch Validate(MixpanelEndpoint endpoint, string json, string query = "", WireLimits? limits = null)
    {
        var decoded = MixpanelWire.Decode(endpoint, Post("/" + endpoint.ToString().ToLowerInvariant(), query, "application/json", json), limits);
        _decoded.Add(decoded);
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        return MixpanelEventValidator.ValidateAll(decoded, Now, limits);
    }

    private MixpanelEvent Accepted(MixpanelEndpoint endpoint, string json, string query = "")
    {
        var batch = Validate(endpoint, json, query);
        Assert.Empty(batch.Errors);
        return Assert.Single(batch.Events);
    }

    private ItemError Rejected(MixpanelEndpoint endpoint, string json, string field, string messagePart, string query = "", WireLimits? limits = null)
    {
        var batch = Validate(endpoint, json, query, limits);
        Assert.Empty(batch.Events);
        var error = Assert.Single(batch.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        return error;
    }

    private static string Import(string extra = "", string time = "1795908000", string distinctId = "\"u1\"") =>
        "{\"event\":\"Imported\",\"properties\":{\"time\":" + time + ",\"distinct_id\":" + distinctId + (extra.Length > 0 ? "," + extra : "") + "}}";

    [Fact]
    public void A_browser_event_is_accepted_with_its_fields()
    {
        var ev = Accepted(MixpanelEndpoint.Track,
            """{"event":"Clicked Button","properties":{"time":1795908982.494,"distinct_id":"$device:ce6a","$insert_id":"mljdr1h72m445n8r","token":"TOKEN123","when":{},"company":["Acme"]}}""");
        Assert.Equal("Clicked Button", ev.Name);
        Assert.Equal("TOKEN123", ev.Token);
        Assert.Equal("$device:ce6a", ev.DistinctId);
        Assert.Equal("mljdr1h72m445n8r", ev.InsertId);
        Assert.Equal(1_795_908_982_494, ev.TimeMs);
    }

    [Theory]
    [InlineData("1795908982.359", 1_795_908_982_359)]
    [InlineData("1795908982", 1_795_908_982_000)]
    [InlineData("1795908982359", 1_795_908_982_359)]
    [InlineData("\"1795908982\"", 1_795_908_982_000)]
    [InlineData("\" 1795908982.5 \"", 1_795_908_982_500)]
    [InlineData("1.795908982E9", 1_795_908_982_000)]
    public void Time_in_seconds_or_milliseconds(string time, long expectedMs) =>
        Assert.Equal(expectedMs, Accepted(MixpanelEndpoint.Track, Event("T", 0).Replace("\"time\":0", "\"time\":" + time, StringComparison.Ordinal)).TimeMs);

    [Fact]
    public void Track_time_missing_or_in_the_future_becomes_the_arrival_time()
    {
        Assert.Equal(Now, Accepted(MixpanelEndpoint.Track, """{"event":"T","properties":{"token":"T"}}""").TimeMs);
        Assert.Equal(Now, Accepted(MixpanelEndpoint.Track, """{"event":"T","properties":{"token":"T","time":null}}""").TimeMs);
        Assert.Equal(Now, Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds + 3600)).TimeMs);
    }

    [Fact]
    public void Track_events_older_than_five_days_are_skipped_silently()
    {
        var batch = Validate(MixpanelEndpoint.Track, "[" + Event("Old", (Now - 5 * Day - 1000) / 1000) + "," + Event("Recent", (Now - 4 * Day) / 1000) + "]");
        Assert.Empty(batch.Errors);
        Assert.Equal(1, batch.Skipped);
        Assert.Equal("Recent", Assert.Single(batch.Events).Name);
    }

    [Theory]
    [InlineData("\"yesterday\"", "`properties.time` must be seconds or milliseconds since the epoch, got \"yesterday\"")]
    [InlineData("-5", "`properties.time` must not be negative, got -5")]
    [InlineData("\"NaN\"", "got \"NaN\"")]
    [InlineData("\"Infinity\"", "got \"Infinity\"")]
    [InlineData("1e400", "`properties.time` is not a finite number, got 1e400")]
    [InlineData("99999999999999", "`properties.time` is after the year 3000, got 99999999999999")]
    [InlineData("true", "got true")]
    [InlineData("{}", "got {}")]
    public void Absurd_times_are_rejected_naming_the_value(string time, string message) =>
        Rejected(MixpanelEndpoint.Track, Event("T", 0).Replace("\"time\":0", "\"time\":" + time, StringComparison.Ordinal), "properties.time", message);

    [Fact]
    public void Import_time_rules()
    {
        Assert.Equal(1_795_908_000_000, Accepted(MixpanelEndpoint.Import, Import()).TimeMs);
        Assert.Equal(Now - 400 * Day, Accepted(MixpanelEndpoint.Import, Import(time: (Now - 400 * Day).ToString())).TimeMs);
        Rejected(MixpanelEndpoint.Import, """{"event":"I","properties":{"distinct_id":"u"}}""", "properties.time", "missing `properties.time`");
        Rejected(MixpanelEndpoint.Import, Import(time: "31535999"), "properties.time", "is before 1971-01-01, got 31535999");
        Rejected(MixpanelEndpoint.Import, Import(time: ((Now + 3_600_001) / 1000 + 1).ToString()), "properties.time", "more than an hour in the future");
        Accepted(MixpanelEndpoint.Import, Import(time: ((Now + 3_000_000) / 1000).ToString()));
    }

    [Fact]
    public void Distinct_id_rules()
    {
        Assert.Equal("12345", Accepted(MixpanelEndpoint.Import, Import(distinctId: "12345")).DistinctId);
        Assert.Equal("1.5e3", Accepted(MixpanelEndpoint.Import, Import(distinctId: "1.5e3")).DistinctId);
        Assert.Equal("", Accepted(MixpanelEndpoint.Import, Import(distinctId: "\"\"")).DistinctId);
        Assert.Null(Accepted(MixpanelEndpoint.Track, """{"event":"T","properties":{"token":"T"}}""").DistinctId);
        Rejected(MixpanelEndpoint.Import, """{"event":"I","properties":{"time":1795908000}}""", "properties.distinct_id", "missing `properties.distinct_id`");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds).Replace("\"distinct_id\":\"u1\"", "\"distinct_id\":true", StringComparison.Ordinal),
            "properties.distinct_id", "must be a string or a number, got true");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, distinctId: new string('d', 256)), "properties.distinct_id", "256 bytes long; the limit is 255");
    }

    [Theory]
    [InlineData("\"00000000-0000-0000-0000-000000000000\"")]
    [InlineData("\"anon\"")]
    [InlineData("\"Anonymous\"")]
    [InlineData("\"NULL\"")]
    [InlineData("\"n/a\"")]
    [InlineData("\"undefined\"")]
    [InlineData("\"<nil>\"")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("\"false\"")]
    [InlineData("\"[]\"")]
    [InlineData("\"{}\"")]
    public void Import_rejects_placeholder_distinct_ids(string distinctId)
    {
        Rejected(MixpanelEndpoint.Import, Import(distinctId: distinctId), "properties.distinct_id", $"is {distinctId}, a placeholder");
        Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds).Replace("\"u1\"", distinctId, StringComparison.Ordinal));
    }

    [Fact]
    public void Insert_id_rules()
    {
        Assert.Equal("abc-123", Accepted(MixpanelEndpoint.Import, Import("\"$insert_id\":\"abc-123\"")).InsertId);
        Assert.Null(Accepted(MixpanelEndpoint.Import, Import()).InsertId);
        var error = Rejected(MixpanelEndpoint.Import, Import("\"$insert_id\":\"has space\""), "properties.$insert_id", "1 to 36 characters");
        Assert.Equal("has space", error.InsertId);
        Rejected(MixpanelEndpoint.Import, Import("\"$insert_id\":\"" + new string('a', 37) + "\""), "properties.$insert_id", "1 to 36 characters");
        Rejected(MixpanelEndpoint.Import, Import("\"$insert_id\":42"), "properties.$insert_id", "got 42");
        Rejected(MixpanelEndpoint.Import, Import(), "properties.$insert_id", "missing `properties.$insert_id`", "?strict=1");
        // /track ignores a bad one: the host assigns a fresh id.
        Assert.Null(Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"$insert_id\":\"not valid!\"")).InsertId);
    }

    [Fact]
    public void Insert_id_travels_with_later_errors()
    {
        var error = Rejected(MixpanelEndpoint.Import, Import("\"$insert_id\":\"id-1\"", time: "\"soon\""), "properties.time", "got \"soon\"");
        Assert.Equal("id-1", error.InsertId);
    }

    [Fact]
    public void Token_rules()
    {
        Rejected(MixpanelEndpoint.Track, """{"event":"T","properties":{"distinct_id":"u"}}""", "properties.token", "missing properties.token");
        Rejected(MixpanelEndpoint.Track, """{"event":"T"}""", "properties.token", "missing properties.token");
        Rejected(MixpanelEndpoint.Track, """{"event":"T","properties":{"token":5}}""", "properties.token", "must be a string, got 5");
        Rejected(MixpanelEndpoint.Track, """{"event":"T","properties":{"token":""}}""", "properties.token", "must be a project token");
        Assert.Null(Accepted(MixpanelEndpoint.Import, Import()).Token);
        var batch = Validate(MixpanelEndpoint.Track, "[" + Event("A", NowSeconds, token: "T1") + "," + Event("B", NowSeconds, token: "T2") + "," + Event("C", NowSeconds, token: "T1") + "]");
        Assert.Equal(["T1", "T2", "T1"], batch.Events.Select(e => e.Token));
        Assert.Same(batch.Events[0].Token, batch.Events[2].Token);
    }

    [Fact]
    public void Event_name_rules()
    {
        Rejected(MixpanelEndpoint.Track, """{"properties":{"token":"T"}}""", "event", "missing `event`");
        Rejected(MixpanelEndpoint.Track, """{"event":"","properties":{"token":"T"}}""", "event", "`event` is empty");
        Rejected(MixpanelEndpoint.Track, """{"event":7,"properties":{"token":"T"}}""", "event", "`event` must be a string, got 7");
        Rejected(MixpanelEndpoint.Track, Event(new string('e', 256), NowSeconds), "event", "256 bytes long; the limit is 255");
        Rejected(MixpanelEndpoint.Track, Event("a\\u0000b", NowSeconds), "event", "control character U+0000");
        Rejected(MixpanelEndpoint.Track, Event("\\ud800", NowSeconds), "event", "unpaired UTF-16 surrogate");
        Accepted(MixpanelEndpoint.Track, Event(new string('\u00e9', 127), NowSeconds));
    }

    [Fact]
    public void Item_and_properties_shape()
    {
        Rejected(MixpanelEndpoint.Track, "[\"just a string\"]", "item", "must be a JSON object with `event` and `properties`, got a string");
        Rejected(MixpanelEndpoint.Track, """{"event":"T","properties":[1]}""", "properties", "`properties` must be an object, got an array");
        Rejected(MixpanelEndpoint.Import, """{"event":"T"}""", "properties", "missing `properties`");
        Assert.Equal(JsonValueKind.Object, Accepted(MixpanelEndpoint.Import, Import()).Properties.ValueKind);
    }

    [Theory]
    [InlineData("user's plan", "a single quote")]
    [InlineData("a\\\"b", "a double quote")]
    [InlineData("a\\\\b", "a backslash")]
    [InlineData("drop;table", "a semicolon")]
    [InlineData("tick`tock", "a backtick")]
    [InlineData("nul\\u0000", "a NUL character")]
    [InlineData("tab\\there", "control character U+0009")]
    [InlineData("c1\u0085", "control character U+0085")]
    [InlineData("", "property name is empty")]
    public void Property_names_that_are_unsafe_downstream_are_rejected_naming_them(string name, string reason)
    {
        var error = Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"" + name + "\":1"), "properties." + name, reason);
        Assert.StartsWith($"`properties.{name}` property name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Property_name_limits()
    {
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"" + new string('n', 256) + "\":1"), "properties." + new string('n', 80) + "…", "256 bytes long; the limit is 255");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"a\":1,\"a\":2"), "properties.a", "appears more than once");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"a\":1,\"\\u0061\":2"), "properties.\\u0061", "appears more than once");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"o\":{\"x\":1,\"x\":2}"), "properties.o.x", "appears more than once");
        Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"$browser\":\"Chrome\",\"utm_source\":\"x\",\"with space\":1,\"ünïcode\":2,\"a.b\":3"));
    }

    [Fact]
    public void Property_count_nesting_and_list_limits()
    {
        string Props(int n) => string.Join(",", Enumerable.Range(0, n).Select(i => $"\"p{i}\":{i}"));
        Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, Props(252)));
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, Props(253)), "properties", "has 256 properties; the limit is 255");
        Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"a\":{\"b\":{\"c\":{\"d\":1}}}"));
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"a\":{\"b\":{\"c\":{\"d\":{}}}}"), "properties.a.b.c.d", "nests objects more than 3 levels deep");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"a\":[{\"b\":[{\"c\":{\"d\":[{}]}}]}]"), "properties.a[0].b[0].c.d[0]", "more than 3 levels deep");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"o\":{" + Props(256) + "}"), "properties.o", "has 256 properties; the limit is 255");
        var list = "[" + string.Join(",", Enumerable.Range(0, 256)) + "]";
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"l\":" + list), "properties.l", "has 256 items; the limit is 255");
        Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"l\":[" + string.Join(",", Enumerable.Range(0, 255)) + "]"));
    }

    [Fact]
    public void Long_strings_are_kept_whole_and_too_long_ones_rejected()
    {
        var longValue = new string('v', 200 * 1024);
        var ev = Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"long\":\"" + longValue + "\""));
        Assert.Equal(200 * 1024, ev.Properties.GetRawText().Length - ev.Properties.GetRawText().Replace(longValue, "", StringComparison.Ordinal).Length);
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"long\":\"" + new string('v', 256 * 1024 + 1) + "\""),
            "properties.long", "is 262145 bytes long; the limit for a value is 262144 bytes");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"l\":[\"ok\",\"" + new string('v', 300 * 1024) + "\"]"), "properties.l[1]", "is 307200 bytes long");
        // Escapes count once decoded: 100k "\u00e9" is 600 KB of JSON text but 200 KB of UTF-8.
        Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"e\":\"" + string.Concat(Enumerable.Repeat("\\u00e9", 100 * 1024)) + "\""));
    }

    [Fact]
    public void Ten_megabyte_value_is_an_error_not_a_truncation()
    {
        var limits = new WireLimits { MaxBodyBytes = 32 * 1024 * 1024, MaxDecodedBytes = 32 * 1024 * 1024 };
        var json = Event("T", NowSeconds, "\"huge\":\"" + new string('h', 10 * 1024 * 1024) + "\"");
        Rejected(MixpanelEndpoint.Track, json, "item", "the limit is 1048576", limits: limits);
        Rejected(MixpanelEndpoint.Track, json, "properties.huge", "is 10485760 bytes long", limits: limits with { MaxEventBytes = 32 * 1024 * 1024 });
    }

    [Fact]
    public void Unpaired_surrogate_escapes_are_rejected_so_nothing_downstream_throws()
    {
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"s\":\"\\udc00\""), "properties.s", "unpaired UTF-16 surrogate escape");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"s\":[\"\\ud83d x\"]"), "properties.s[0]", "unpaired UTF-16 surrogate escape");
        Rejected(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"\\ud800\":1"), "properties.\\ud800", "unpaired UTF-16 surrogate escape");
        Accepted(MixpanelEndpoint.Track, Event("T", NowSeconds, "\"s\":\"\\ud83d\\ude00 \\\\ud800\""));
    }

    [Fact]
    public void Event_over_one_megabyte_is_rejected() =>
        Rejected(MixpanelEndpoint.Track,
            Event("T", NowSeconds, string.Join(",", Enumerable.Range(0, 5).Select(i => $"\"p{i}\":\"{new string('x', 250 * 1024)}\""))),
            "item", "bytes of JSON; the limit is 1048576");

    [Fact]
    public void One_bad_event_does_not_spoil_the_batch()
    {
        var batch = Validate(MixpanelEndpoint.Track, "[" + Event("A", NowSeconds) + ",{\"event\":\"B\"}," + Event("C", NowSeconds) + "]");
        Assert.Equal(["A", "C"], batch.Events.Select(e => e.Name));
        Assert.Equal([0, 2], batch.Events.Select(e => e.Index));
        Assert.Equal("event 1: missing properties.token (the project token)", Assert.Single(batch.Errors).Describe());
    }

    [Fact]
    public void Single_item_validation_is_available_to_other_hosts()
    {
        using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes(Event("One", NowSeconds)));
        var outcome = MixpanelEventValidator.Validate(MixpanelEndpoint.Track, false, new MixpanelWireItem(7, document.RootElement), Now, WireLimits.Default, out var ev, out var error);
        Assert.Equal(MixpanelItemOutcome.Accepted, outcome);
        Assert.Null(error);
        Assert.Equal(7, ev!.Index);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            MixpanelEventValidator.Validate(MixpanelEndpoint.Engage, false, new MixpanelWireItem(0, document.RootElement), Now, WireLimits.Default, out _, out _));
    }

    [Theory]
    [InlineData("\"$ignore\":true", true)]
    [InlineData("\"$ig\\u006eore\":true", true)]
    [InlineData("\"$ignore\":false", false)]
    [InlineData("\"$ignore\":\"true\"", false)]
    [InlineData("\"ignore\":true", false)]
    [InlineData("", false)]
    public void Ignore_is_read_from_properties_as_the_reserved_flag(string extra, bool ignored) =>
        Assert.Equal(ignored, Accepted(MixpanelEndpoint.Import, Import(extra)).Ignore);

    [Fact]
    public void Field_errors_come_before_shape_problems_found_in_the_same_walk()
    {
        // A bad property name ahead of a bad time: the time is reported, as when the shape was checked in a second pass.
        Rejected(MixpanelEndpoint.Import, Import("\"a;b\":1", time: "\"yesterday\""), "properties.time", "must be seconds or milliseconds");
        // Duplicates and too-long values are reported once the named fields pass, naming the first in property order.
        Rejected(MixpanelEndpoint.Import, Import("\"x\":1,\"y\":\"" + new string('v', 300 * 1024) + "\",\"x\":2"), "properties.y", "the limit for a value is");
        Rejected(MixpanelEndpoint.Import, Import("\"x\":1,\"x\":2,\"bad`name\":3"), "properties.x", "appears more than once");
    }
}
