using System.Text.Json;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

/// <summary>
/// The pipeline reads names and values as spans and memoises pseudonyms; these pin the cases where that could
/// differ from reading them as strings: escaped names and values, numbers, long values, group ids, a warm cache.
/// </summary>
public class EventMinimiserSpanTests
{
    private static readonly PseudonymKey Key = new(Enumerable.Repeat((byte)9, 32).ToArray());

    private static Core.Events.StoredEvent Run(string propertiesJson, ProjectPrivacy project)
    {
        using var doc = JsonDocument.Parse(propertiesJson);
        var distinct = doc.RootElement.TryGetProperty("distinct_id", out var d) ? d.GetString() : null;
        var input = new EventInput("Clicked", doc.RootElement, 1_700_000_000_123, "i1", distinct);
        return new EventMinimiser(NoGeoLocator.Instance).Minimise(input, project, new RequestContext { NowMs = 1 });
    }

    [Fact]
    public void Escaped_names_and_values_are_read_like_their_text()
    {
        var project = new ProjectPrivacy(1, Key);
        var stored = Run("""
            {"distinct_id":"u\u002d1","$device\u005fid":"d\u002d1","$session_id":12345,"\u0024browser":"Fire\u0066ox",
             "$current_url":"https://shop.example/\u0061?utm_source=x","$referrer":"https:\/\/www.google.com\/","$initial_referrer":"$direct",
             "$anon_distinct_id":"$device:\u0061bc","gclid":"X","g\u0063lid":"Y"}
            """, project);
        Assert.Equal(Key.Compute("u-1"), stored.DistinctId);
        Assert.Equal(Key.Compute("d-1"), stored.DeviceId);
        Assert.Equal(Key.Compute("12345"), stored.SessionId);
        Assert.Equal("Firefox", stored.Browser);
        Assert.Equal("https://shop.example/a?utm_source=x", stored.Url);
        Assert.Equal("www.google.com", stored.ReferrerHost);
        using var props = JsonDocument.Parse(stored.PropertiesJson);
        Assert.Equal("$direct", props.RootElement.GetProperty("$initial_referrer").GetString());
        Assert.Equal(Key.Compute("abc").ToString(), props.RootElement.GetProperty("$anon_distinct_id").GetString());
        Assert.False(props.RootElement.TryGetProperty("gclid", out _));
    }

    [Fact]
    public void Group_ids_are_group_pseudonyms()
    {
        var project = new ProjectPrivacy(1, Key) { GroupKeys = new HashSet<string>(["company", "team"], StringComparer.Ordinal) };
        var stored = Run("""{"distinct_id":"u","company":"Acme","team":["a",7,"",null],"other":"kept"}""", project);
        using var props = JsonDocument.Parse(stored.PropertiesJson);
        Assert.Equal(Key.ComputeGroup("company", "Acme").ToString(), props.RootElement.GetProperty("company").GetString());
        Assert.Equal(
            new[] { Key.ComputeGroup("team", "a").ToString(), Key.ComputeGroup("team", "7").ToString() },
            props.RootElement.GetProperty("team").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal("kept", props.RootElement.GetProperty("other").GetString());
    }

    [Fact]
    public void Long_values_take_the_string_path()
    {
        var project = new ProjectPrivacy(1, Key);
        var longId = new string('x', 3000);
        var longUrl = "https://shop.example/" + new string('p', 3000) + "?utm_source=a&q=b";
        var stored = Run($$"""{"distinct_id":"{{longId}}","$user_id":"{{longId}}y","$current_url":"{{longUrl}}"}""", project);
        Assert.Equal(Key.Compute(longId), stored.DistinctId);
        Assert.Equal(Key.Compute(longId + "y"), stored.UserId);
        Assert.Equal(UrlMinimiser.Minimise(longUrl), stored.Url);
        Assert.EndsWith("?utm_source=a", stored.Url, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warm_cache_gives_the_same_event()
    {
        var project = new ProjectPrivacy(1, Key);
        const string Event = """
            {"distinct_id":"$device:ce6a","$device_id":"ce6a","$user_id":"user-9","$session_id":"s-1","$referring_domain":"www.bing.com",
             "$current_url":"https://shop.example","plan":"pro"}
            """;
        var cold = Run(Event, project);
        var warm = Run(Event, project);
        Assert.Equal(Key.Compute("ce6a"), cold.DistinctId);
        Assert.Equal(cold.DistinctId, cold.DeviceId);
        Assert.Equal(Key.Compute("user-9"), cold.UserId);
        Assert.Equal(Key.Compute("s-1"), cold.SessionId);
        Assert.Equal("www.bing.com", cold.ReferrerHost);
        Assert.Equal("https://shop.example/", cold.Url);
        Assert.Equal(
            (cold.DistinctId, cold.DeviceId, cold.UserId, cold.SessionId, cold.Url, cold.ReferrerHost, cold.PropertiesJson),
            (warm.DistinctId, warm.DeviceId, warm.UserId, warm.SessionId, warm.Url, warm.ReferrerHost, warm.PropertiesJson));
    }
}
