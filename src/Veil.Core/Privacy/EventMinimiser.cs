using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Veil.Core.Events;

namespace Veil.Core.Privacy;

/// <summary>
/// The privacy pipeline for events (promises 1 and 2): identifiers become pseudonyms, the IP becomes coarse geo and
/// is dropped, URLs lose their query strings, device details are coarsened, tracking ids are dropped. What comes out
/// is the only form of an event that reaches the WAL.
/// </summary>
public sealed class EventMinimiser(IGeoLocator geoLocator)
{
    private static readonly Dictionary<string, PropertyRole> Roles = new(StringComparer.Ordinal)
    {
        ["token"] = PropertyRole.Column,
        ["time"] = PropertyRole.Column,
        ["distinct_id"] = PropertyRole.Column,
        ["$device_id"] = PropertyRole.Column,
        ["$user_id"] = PropertyRole.Column,
        ["$insert_id"] = PropertyRole.Column,
        ["$session_id"] = PropertyRole.Column,
        ["$browser"] = PropertyRole.Column,
        ["$browser_version"] = PropertyRole.Column,
        ["$os"] = PropertyRole.Column,
        ["$os_version"] = PropertyRole.Column,
        ["$device"] = PropertyRole.Column,
        ["mp_lib"] = PropertyRole.Column,
        ["$lib_version"] = PropertyRole.Column,
        ["$current_url"] = PropertyRole.Column,
        ["$referrer"] = PropertyRole.Column,
        ["$referring_domain"] = PropertyRole.Column,
        ["$screen_width"] = PropertyRole.Column,
        ["$screen_height"] = PropertyRole.Column,
        ["ip"] = PropertyRole.Column,
        ["$ip"] = PropertyRole.Column,
        ["$city"] = PropertyRole.Column,
        ["$region"] = PropertyRole.Column,
        ["mp_country_code"] = PropertyRole.Column,
        ["$country_code"] = PropertyRole.Column,
        ["$anon_distinct_id"] = PropertyRole.Identifier,
        ["$distinct_id_before_identity"] = PropertyRole.Identifier,
        ["alias"] = PropertyRole.Identifier,
        ["$identified_id"] = PropertyRole.Identifier,
        ["$anon_id"] = PropertyRole.Identifier,
        ["$distinct_ids"] = PropertyRole.Identifier,
        ["$initial_referrer"] = PropertyRole.Host,
        ["$initial_referring_domain"] = PropertyRole.Host,
        ["current_url_search"] = PropertyRole.Drop,
        ["$carrier"] = PropertyRole.Drop,
        ["$radio"] = PropertyRole.Drop,
        ["$wifi"] = PropertyRole.Drop,
        ["$model"] = PropertyRole.Drop,
        ["$screen_dpi"] = PropertyRole.Drop,
        ["$user_agent"] = PropertyRole.Drop,
        ["$raw_user_agent"] = PropertyRole.Drop,
        ["mp_keyword"] = PropertyRole.Drop,
        ["mp_sent_by_lib_version"] = PropertyRole.Drop,
        ["gclid"] = PropertyRole.Drop,
        ["fbclid"] = PropertyRole.Drop,
        ["msclkid"] = PropertyRole.Drop,
        ["ttclid"] = PropertyRole.Drop,
        ["dclid"] = PropertyRole.Drop,
        ["gbraid"] = PropertyRole.Drop,
        ["wbraid"] = PropertyRole.Drop,
        ["twclid"] = PropertyRole.Drop,
        ["li_fat_id"] = PropertyRole.Drop,
        ["sccid"] = PropertyRole.Drop,
        ["rdt_cid"] = PropertyRole.Drop,
        ["irclid"] = PropertyRole.Drop,
        ["ko_click_id"] = PropertyRole.Drop,
        ["epik"] = PropertyRole.Drop,
        ["qclid"] = PropertyRole.Drop,
    };

    private readonly IGeoLocator _geo = geoLocator;

    /// <summary>Runs the pipeline over one event.</summary>
    /// <param name="input">The validated event.</param>
    /// <param name="project">Its project.</param>
    /// <param name="request">The request it came in.</param>
    /// <param name="vaultItems">Receives PII values the project's policy routes to the identity vault, if any.</param>
    public StoredEvent Minimise(in EventInput input, ProjectPrivacy project, RequestContext request, List<Pii.PiiVaultItem>? vaultItems = null)
    {
        var props = input.Properties;
        var key = project.PseudonymKey;
        var stored = new StoredEvent
        {
            ProjectId = project.ProjectId,
            Name = input.Name,
            TimeMs = input.TimeMs,
            InsertId = string.IsNullOrEmpty(input.InsertId) ? NewInsertId() : input.InsertId,
            IngestedAtMs = request.NowMs,
            DistinctId = string.IsNullOrEmpty(input.DistinctId) ? null : key.ComputeDistinctId(input.DistinctId),
        };
        if (props.ValueKind != JsonValueKind.Object)
        {
            stored.Geo(Locate(request, ipProperty: null), project.AllowCity);
            return stored;
        }

        string? ipProperty = null;
        string? claimedCountry = null, claimedRegion = null, claimedCity = null;
        string? referrer = null;
        string? referringDomain = null;
        int? width = null, height = null;
        string? device = null;
        var (buffer, writer) = ReusableJson.First();
        var scrubber = project.Scrubber;
        // Free properties are PII-scanned as they are copied, in this one pass over the event.
        using var scrub = scrubber?.StartSession();
        // "$device:<id>" and <id> are one identifier, and after identify() the distinct id is the user id: reuse its HMAC.
        var distinctText = input.DistinctId is { } d && d.StartsWith(PseudonymKey.DevicePrefix, StringComparison.Ordinal) && d.Length > PseudonymKey.DevicePrefix.Length
            ? d.AsSpan(PseudonymKey.DevicePrefix.Length)
            : input.DistinctId.AsSpan();
        {
            writer.WriteStartObject();
            foreach (var property in props.EnumerateObject())
            {
                var name = property.Name;
                var value = property.Value;
                var role = Roles.GetValueOrDefault(name, PropertyRole.Keep);
                switch (role)
                {
                    case PropertyRole.Keep when project.GroupKeys.Count > 0 && project.GroupKeys.Contains(name):
                        WriteGroupIds(writer, name, value, key);
                        break;
                    case PropertyRole.Keep:
                        if (scrub is not null) scrubber!.Write(scrub, property, writer);
                        else property.WriteTo(writer);
                        break;
                    case PropertyRole.Drop:
                        break;
                    case PropertyRole.Url:
                        WriteIfNotNull(writer, name, UrlMinimiser.Minimise(AsString(value)));
                        break;
                    case PropertyRole.Host:
                        WriteIfNotNull(writer, name, UrlMinimiser.HostOnly(AsString(value)));
                        break;
                    case PropertyRole.Identifier:
                        WritePseudonymised(writer, name, value, key);
                        break;
                    case PropertyRole.Column:
                        switch (name)
                        {
                            case "$device_id": stored.DeviceId = SameAsDistinct(value, distinctText) ? stored.DistinctId : PseudonymOf(key, AsString(value)); break;
                            case "$user_id": stored.UserId = SameAsDistinct(value, distinctText) ? stored.DistinctId : PseudonymOf(key, AsString(value)); break;
                            case "$session_id": stored.SessionId = PseudonymOf(key, AsString(value)); break;
                            case "$browser": stored.Browser = Short(AsString(value)); break;
                            case "$browser_version": stored.BrowserVersion = MajorVersion(value); break;
                            case "$os": stored.Os = Short(AsString(value)); break;
                            case "$os_version": stored.OsVersion = MajorVersion(value)?.ToString(CultureInfo.InvariantCulture); break;
                            case "$device": device = AsString(value); break;
                            case "mp_lib": stored.Lib = Short(AsString(value)); break;
                            case "$lib_version": stored.LibVersion = Short(AsString(value)); break;
                            case "$current_url": stored.Url = UrlMinimiser.Minimise(AsString(value)); break;
                            case "$referrer": referrer = AsString(value); break;
                            case "$referring_domain": referringDomain = AsString(value); break;
                            case "$screen_width": width = AsInt(value); break;
                            case "$screen_height": height = AsInt(value); break;
                            case "ip":
                            case "$ip": ipProperty = AsString(value); break;
                            case "mp_country_code":
                            case "$country_code": claimedCountry = CountryCode(AsString(value)); break;
                            case "$region": claimedRegion = Short(AsString(value)); break;
                            case "$city": claimedCity = Short(AsString(value)); break;
                            default: break; // token, time, distinct_id, $insert_id: consumed.
                        }
                        break;
                }
            }
            writer.WriteEndObject();
            writer.Flush();
        }
        stored.PropertiesJson = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (scrub is not null && Pii.PiiJsonScrubber.Finish(scrub).VaultItems is { Count: > 0 } vaulted) vaultItems?.AddRange(vaulted);
        if (request.Device is { } ua)
        {
            // The SDK's own values win; the request's user agent fills the gaps (server-side SDKs send none).
            if (stored.Browser is null && ua.Browser is not null)
            {
                stored.Browser = ua.Browser;
                stored.BrowserVersion = ua.BrowserMajor;
            }
            if (stored.Os is null && ua.Os is not null)
            {
                stored.Os = ua.Os;
                stored.OsVersion = ua.OsMajor;
            }
            device ??= ua.DeviceType is "mobile" or "tablet" ? ua.DeviceType : null;
        }
        stored.ReferrerHost = UrlMinimiser.HostOnly(referrer) ?? UrlMinimiser.HostOnly(referringDomain);
        stored.Screen = ScreenBucket(width, height);
        stored.DeviceType = DeviceType(device, stored.Os);
        var located = Locate(request, ipProperty);
        // Geo set explicitly (e.g. historical /import) is kept when no address says otherwise; it is as coarse as ours.
        if (located == GeoLocation.Unknown && claimedCountry is not null) located = new GeoLocation(claimedCountry, claimedRegion, claimedCity);
        stored.Geo(located, project.AllowCity);
        return stored;
    }

    private static string? CountryCode(string? value) =>
        value is { Length: 2 } && char.IsAsciiLetter(value[0]) && char.IsAsciiLetter(value[1]) ? value.ToUpperInvariant() : null;

    /// <summary>Promise 2's PII scan over the free properties (names and values, nested too), after the known ones were handled.</summary>
    internal static string Scrub(Pii.PiiJsonScrubber scrubber, ReadOnlyMemory<byte> json, List<Pii.PiiVaultItem>? vaultItems)
    {
        using var document = JsonDocument.Parse(json);
        var (output, writer) = ReusableJson.Second();
        var result = scrubber.Scrub(document.RootElement, writer);
        writer.Flush();
        if (result.VaultItems.Count > 0) vaultItems?.AddRange(result.VaultItems);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>
    /// Where a profile update came from, as <c>$country_code</c>/<c>$region</c> (and <c>$city</c> if the project allows)
    /// properties to <c>$set</c>, like Mixpanel's profile geolocation; null when unknown or skipped (<c>$ip: "0"</c>).
    /// </summary>
    public string? ProfileGeoJson(RequestContext request, string? ipParameter, bool allowCity)
    {
        ArgumentNullException.ThrowIfNull(request);
        var located = Locate(request, ipParameter == "1" ? null : ipParameter);
        if (located.Country is null) return null;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("$country_code", located.Country);
            WriteIfNotNull(writer, "$region", located.Region);
            if (allowCity) WriteIfNotNull(writer, "$city", located.City);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private GeoLocation Locate(RequestContext request, string? ipProperty)
    {
        // `ip: "0"` / `$ip: "0"` means "do not geolocate" in Mixpanel's protocol.
        if (ipProperty == "0") return GeoLocation.Unknown;
        if (ipProperty is not null && IPAddress.TryParse(ipProperty, out var explicitAddress)) return _geo.Locate(explicitAddress);
        if (request.GeolocateFromRequest && request.ClientAddress is not null) return _geo.Locate(request.ClientAddress);
        return GeoLocation.Unknown;
    }

    /// <summary>True when an id property holds the same identifier as the (device-prefix-free) distinct id.</summary>
    private static bool SameAsDistinct(JsonElement value, ReadOnlySpan<char> distinctText) =>
        !distinctText.IsEmpty && value.ValueKind == JsonValueKind.String && value.ValueEquals(distinctText);

    private static Pseudonym? PseudonymOf(PseudonymKey key, string? identifier) =>
        string.IsNullOrEmpty(identifier) ? null : key.Compute(identifier);

    private static void WritePseudonymised(Utf8JsonWriter writer, string name, JsonElement value, PseudonymKey key)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray(name);
            foreach (var item in value.EnumerateArray())
            {
                var id = AsString(item);
                if (!string.IsNullOrEmpty(id)) writer.WriteStringValue(key.ComputeDistinctId(id).ToString());
            }
            writer.WriteEndArray();
            return;
        }
        var single = AsString(value);
        if (!string.IsNullOrEmpty(single)) writer.WriteString(name, key.ComputeDistinctId(single).ToString());
    }

    /// <summary>A group property (one id or a list): each id becomes the group's pseudonym, as on its group profile.</summary>
    internal static void WriteGroupIds(Utf8JsonWriter writer, string groupKey, JsonElement value, PseudonymKey key)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray(groupKey);
            foreach (var item in value.EnumerateArray())
            {
                var id = AsString(item);
                if (!string.IsNullOrEmpty(id)) writer.WriteStringValue(key.ComputeGroup(groupKey, id).ToString());
            }
            writer.WriteEndArray();
            return;
        }
        var single = AsString(value);
        if (!string.IsNullOrEmpty(single)) writer.WriteString(groupKey, key.ComputeGroup(groupKey, single).ToString());
    }

    private static void WriteIfNotNull(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }

    /// <summary>The text of a string or number value (numbers as their JSON text), else null.</summary>
    public static string? AsString(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };

    private static string? Short(string? value) =>
        value is null ? null : value.Length <= 64 ? value : value[..64];

    private static int? AsInt(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d is >= 0 and < 100_000 ? (int)d : null;

    /// <summary>Major version from <c>124</c>, <c>124.0</c> or <c>"124.0.6367.91"</c>.</summary>
    private static int? MajorVersion(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d is >= 0 and < 100_000) return (int)d;
        if (value.ValueKind != JsonValueKind.String) return null;
        var text = value.GetString()!;
        var end = 0;
        while (end < text.Length && end < 6 && char.IsAsciiDigit(text[end])) end++;
        return end == 0 ? null : int.Parse(text.AsSpan(0, end), CultureInfo.InvariantCulture);
    }

    /// <summary>Screen sizes rounded down to 100 px so they describe a class of device, not one device.</summary>
    private static string? ScreenBucket(int? width, int? height)
    {
        if (width is not > 0 || height is not > 0) return null;
        return string.Create(CultureInfo.InvariantCulture, $"{width.Value / 100 * 100}x{height.Value / 100 * 100}");
    }

    private static string? DeviceType(string? device, string? os)
    {
        if (device is "mobile" or "tablet") return device;
        if (device is not null)
        {
            if (device.Contains("iPad", StringComparison.OrdinalIgnoreCase) || device.Contains("Tablet", StringComparison.OrdinalIgnoreCase)) return "tablet";
            if (device.Length > 0) return "mobile";
        }
        return os switch
        {
            null or "" => null,
            "iOS" or "Android" or "Windows Phone" or "BlackBerry" => "mobile",
            _ => "desktop",
        };
    }

    private static string NewInsertId() => Guid.NewGuid().ToString("N");
}
