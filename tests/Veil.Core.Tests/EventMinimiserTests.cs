using System.Net;
using System.Text.Json;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

public class EventMinimiserTests
{
    private static readonly PseudonymKey Key = new(Enumerable.Repeat((byte)7, 32).ToArray());
    private static readonly ProjectPrivacy Project = new(5, Key);

    private sealed class FixedGeo : IGeoLocator
    {
        public List<IPAddress> Seen { get; } = [];

        public GeoLocation Locate(IPAddress address)
        {
            Seen.Add(address);
            return new GeoLocation("DE", "Berlin", "Berlin");
        }
    }

    private static Core.Events.StoredEvent Run(string propertiesJson, IGeoLocator? geo = null, RequestContext? request = null, ProjectPrivacy? project = null)
    {
        using var doc = JsonDocument.Parse(propertiesJson);
        var distinct = doc.RootElement.TryGetProperty("distinct_id", out var d) ? d.GetString() : null;
        var input = new EventInput("Clicked", doc.RootElement, 1_700_000_000_123, null, distinct);
        return new EventMinimiser(geo ?? NoGeoLocator.Instance).Minimise(input, project ?? Project, request ?? new RequestContext { NowMs = 1 });
    }

    [Fact]
    public void Browser_event_from_the_capture_is_minimised()
    {
        // Properties as mixpanel-browser 2.83 sends them (testdata/sdk-captures).
        var stored = Run("""
            {"$browser":"Safari","$referrer":"https://www.google.com/search?q=mixpanel+alt","$referring_domain":"www.google.com",
             "$current_url":"http://127.0.0.1:18081/pricing?utm_source=google&gclid=XYZ","$browser_version":17.4,"$screen_height":768,
             "$screen_width":1366,"mp_lib":"web","$lib_version":"2.83.0","$insert_id":"mljdr1h72m445n8r","time":1795908982.494,
             "utm_source":"google","gclid":"XYZ","distinct_id":"$device:ce6a8d92","$device_id":"ce6a8d92","$search_engine":"google",
             "mp_keyword":"mixpanel alt","$initial_referrer":"https://www.google.com/search?q=mixpanel+alt","$initial_referring_domain":"www.google.com",
             "color":"blue","when":{},"token":"TOKEN123","mp_sent_by_lib_version":"2.83.0","$os":"Mac OS X"}
            """);
        // "$device:<id>" and the bare device id are one identifier: an anonymous event is its device.
        Assert.Equal(Key.Compute("ce6a8d92"), stored.DistinctId);
        Assert.Equal(stored.DeviceId, stored.DistinctId);
        Assert.Equal(Key.Compute("ce6a8d92"), stored.DeviceId);
        Assert.Null(stored.UserId);
        Assert.Equal("Safari", stored.Browser);
        Assert.Equal(17, stored.BrowserVersion);
        Assert.Equal("Mac OS X", stored.Os);
        Assert.Equal("desktop", stored.DeviceType);
        Assert.Equal("web", stored.Lib);
        Assert.Equal("http://127.0.0.1:18081/pricing?utm_source=google", stored.Url);
        Assert.Equal("www.google.com", stored.ReferrerHost);
        Assert.Equal("1300x700", stored.Screen);
        using var props = JsonDocument.Parse(stored.PropertiesJson);
        var names = props.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(new[] { "$initial_referrer", "$initial_referring_domain", "$search_engine", "color", "utm_source", "when" }, names.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("www.google.com", props.RootElement.GetProperty("$initial_referrer").GetString());
        Assert.DoesNotContain("mixpanel alt", stored.PropertiesJson, StringComparison.Ordinal);
        Assert.DoesNotContain("XYZ", stored.PropertiesJson, StringComparison.Ordinal);
        Assert.DoesNotContain("TOKEN123", stored.PropertiesJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Ip_becomes_coarse_geo_and_disappears()
    {
        var geo = new FixedGeo();
        var stored = Run("""{"distinct_id":"u1","ip":"203.0.113.9"}""", geo);
        Assert.Equal([IPAddress.Parse("203.0.113.9")], geo.Seen);
        Assert.Equal(("DE", "Berlin", (string?)null), (stored.Country, stored.Region, stored.City));
        Assert.DoesNotContain("203.0.113.9", System.Text.Json.JsonSerializer.Serialize(stored), StringComparison.Ordinal);
    }

    [Fact]
    public void City_is_kept_only_when_the_project_allows_it()
    {
        var stored = Run("""{"distinct_id":"u1"}""", new FixedGeo(),
            new RequestContext { ClientAddress = IPAddress.Parse("198.51.100.1"), GeolocateFromRequest = true, NowMs = 1 },
            new ProjectPrivacy(5, Key) { AllowCity = true });
        Assert.Equal("Berlin", stored.City);
    }

    [Fact]
    public void Request_address_is_used_only_when_ip_1_was_asked()
    {
        var geo = new FixedGeo();
        var stored = Run("""{"distinct_id":"u1"}""", geo, new RequestContext { ClientAddress = IPAddress.Parse("198.51.100.1"), GeolocateFromRequest = false, NowMs = 1 });
        Assert.Empty(geo.Seen);
        Assert.Null(stored.Country);
    }

    [Fact]
    public void Ip_zero_means_do_not_geolocate()
    {
        var geo = new FixedGeo();
        Run("""{"distinct_id":"u1","ip":"0"}""", geo, new RequestContext { ClientAddress = IPAddress.Parse("198.51.100.1"), GeolocateFromRequest = true, NowMs = 1 });
        Assert.Empty(geo.Seen);
    }

    [Fact]
    public void Identity_properties_are_pseudonymised()
    {
        var stored = Run("""{"distinct_id":"user-42","$user_id":"user-42","$anon_distinct_id":"$device:abc","$distinct_ids":["a","b"]}""");
        Assert.Equal(Key.Compute("user-42"), stored.UserId);
        using var props = JsonDocument.Parse(stored.PropertiesJson);
        Assert.Equal(Key.ComputeDistinctId("$device:abc").ToString(), props.RootElement.GetProperty("$anon_distinct_id").GetString());
        Assert.Equal(new[] { Key.Compute("a").ToString(), Key.Compute("b").ToString() }, props.RootElement.GetProperty("$distinct_ids").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.DoesNotContain("user-42", stored.PropertiesJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Claimed_geo_is_kept_when_no_address_is_known()
    {
        var stored = Run("""{"distinct_id":"u","mp_country_code":"gb","$region":"England","$city":"London"}""");
        Assert.Equal(("GB", "England", (string?)null), (stored.Country, stored.Region, stored.City));
    }
}
