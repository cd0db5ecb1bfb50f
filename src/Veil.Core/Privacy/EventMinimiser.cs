using System.Buffers;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        ["token"] = PropertyRole.Consumed,
        ["time"] = PropertyRole.Consumed,
        ["distinct_id"] = PropertyRole.Consumed,
        ["$device_id"] = PropertyRole.DeviceId,
        ["$user_id"] = PropertyRole.UserId,
        ["$insert_id"] = PropertyRole.Consumed,
        ["$session_id"] = PropertyRole.SessionId,
        ["$browser"] = PropertyRole.Browser,
        ["$browser_version"] = PropertyRole.BrowserVersion,
        ["$os"] = PropertyRole.Os,
        ["$os_version"] = PropertyRole.OsVersion,
        ["$device"] = PropertyRole.Device,
        ["mp_lib"] = PropertyRole.Lib,
        ["$lib_version"] = PropertyRole.LibVersion,
        ["$current_url"] = PropertyRole.CurrentUrl,
        ["$referrer"] = PropertyRole.Referrer,
        ["$referring_domain"] = PropertyRole.ReferringDomain,
        ["$screen_width"] = PropertyRole.ScreenWidth,
        ["$screen_height"] = PropertyRole.ScreenHeight,
        ["ip"] = PropertyRole.Ip,
        ["$ip"] = PropertyRole.Ip,
        ["$city"] = PropertyRole.City,
        ["$region"] = PropertyRole.Region,
        ["mp_country_code"] = PropertyRole.CountryCode,
        ["$country_code"] = PropertyRole.CountryCode,
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

    // Looked up by a property name's raw UTF-8, so no name is decoded or made into a string per property.
    private static readonly PropertyRoleTable RolesByUtf8 = new(Roles);

    private static readonly ShortTextCache ColumnTexts = new(1024);

    // Referrer hosts repeat across events (a few search engines and sites); only hosts are held, never whole referrers.
    private static readonly SharedTextCache ReferrerHosts = new(1024, maxChars: 128);

    /// <summary>Screen buckets by hundreds of pixels, made once each (up to 6300 px a side).</summary>
    private static readonly string?[] ScreenBuckets = new string?[64 * 64];

    private readonly IGeoLocator _geo = geoLocator;

    /// <summary>Runs the pipeline over one event.</summary>
    /// <param name="input">The validated event.</param>
    /// <param name="project">Its project.</param>
    /// <param name="request">The request it came in.</param>
    /// <param name="vaultItems">Receives PII values the project's policy routes to the identity vault, if any.</param>
    [SkipLocalsInit] // the name and value buffers are written before they are read
    public StoredEvent Minimise(in EventInput input, ProjectPrivacy project, RequestContext request, List<Pii.PiiVaultItem>? vaultItems = null)
    {
        var props = input.Properties;
        var pseudonyms = project.Pseudonyms;
        var stored = new StoredEvent
        {
            ProjectId = project.ProjectId,
            Name = input.Name,
            TimeMs = input.TimeMs,
            InsertId = string.IsNullOrEmpty(input.InsertId) ? NewInsertId() : input.InsertId,
            IngestedAtMs = request.NowMs,
            DistinctId = string.IsNullOrEmpty(input.DistinctId) ? null : pseudonyms.ComputeDistinctId(input.DistinctId),
        };
        if (props.ValueKind != JsonValueKind.Object)
        {
            stored.Geo(Locate(request, ipProperty: null), project.AllowCity);
            return stored;
        }

        string? ipProperty = null;
        string? claimedCountry = null, claimedRegion = null, claimedCity = null;
        JsonElement referrer = default, referringDomain = default;
        int? width = null, height = null;
        string? device = null;
        var (buffer, writer) = ReusableJson.First();
        var scrubber = project.Scrubber;
        // Free properties are PII-scanned as they are copied, in this one pass over the event.
        using var scrub = scrubber?.StartSession();
        // "$device:<id>" and <id> are one identifier, and after identify() the distinct id is the user id: reuse its pseudonym.
        var distinctText = PseudonymCache.WithoutDevicePrefix(input.DistinctId);
        var groupKeys = project.GroupKeys.Count > 0 ? project.GroupKeys : null;
        Span<char> nameBuffer = stackalloc char[NameChars];
        Span<char> scratch = stackalloc char[ValueChars];
        writer.WriteStartObject();
        foreach (var property in props.EnumerateObject())
        {
            var value = property.Value;
            switch (RoleOf(property))
            {
                case PropertyRole.Keep when groupKeys is not null && IsGroupKey(groupKeys, NameOf(property, nameBuffer)):
                    WriteGroupIds(writer, NameOf(property, nameBuffer), value, pseudonyms);
                    break;
                case PropertyRole.Keep:
                    if (scrub is not null) scrubber!.Write(scrub, property, writer);
                    else property.WriteTo(writer);
                    break;
                case PropertyRole.Drop:
                case PropertyRole.Consumed: // token, time, distinct_id, $insert_id: read by the wire adapter.
                    break;
                case PropertyRole.Host:
                    var host = UrlMinimiser.HostOnly(TextOf(value, scratch, out var hostText), hostText);
                    if (!host.IsEmpty) writer.WriteString(NameOf(property, nameBuffer), host);
                    break;
                case PropertyRole.Identifier:
                    WritePseudonymised(writer, NameOf(property, nameBuffer), value, pseudonyms, scratch);
                    break;
                case PropertyRole.DeviceId: stored.DeviceId = SameAsDistinct(value, distinctText) ? stored.DistinctId : PseudonymOf(pseudonyms, value, scratch); break;
                case PropertyRole.UserId: stored.UserId = SameAsDistinct(value, distinctText) ? stored.DistinctId : PseudonymOf(pseudonyms, value, scratch); break;
                case PropertyRole.SessionId: stored.SessionId = PseudonymOf(pseudonyms, value, scratch); break;
                case PropertyRole.Browser: stored.Browser = ColumnText(value); break;
                case PropertyRole.BrowserVersion: stored.BrowserVersion = MajorVersion(value); break;
                case PropertyRole.Os: stored.Os = ColumnText(value); break;
                case PropertyRole.OsVersion: stored.OsVersion = MajorVersion(value)?.ToString(CultureInfo.InvariantCulture); break;
                case PropertyRole.Device: device = AsString(value); break;
                case PropertyRole.Lib: stored.Lib = ColumnText(value); break;
                case PropertyRole.LibVersion: stored.LibVersion = ColumnText(value); break;
                case PropertyRole.CurrentUrl: stored.Url = UrlMinimiser.Minimise(TextOf(value, scratch, out var urlText), urlText); break;
                case PropertyRole.Referrer: referrer = value; break;
                case PropertyRole.ReferringDomain: referringDomain = value; break;
                case PropertyRole.ScreenWidth: width = AsInt(value); break;
                case PropertyRole.ScreenHeight: height = AsInt(value); break;
                case PropertyRole.Ip: ipProperty = AsString(value); break;
                case PropertyRole.CountryCode: claimedCountry = CountryCode(AsString(value)); break;
                case PropertyRole.Region: claimedRegion = Short(AsString(value)); break;
                case PropertyRole.City: claimedCity = Short(AsString(value)); break;
            }
        }
        writer.WriteEndObject();
        writer.Flush();
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
        stored.ReferrerHost = ReferrerHost(referrer, referringDomain, scratch);
        stored.Screen = ScreenBucket(width, height);
        stored.DeviceType = DeviceType(device, stored.Os);
        var located = Locate(request, ipProperty);
        // Geo set explicitly (e.g. historical /import) is kept when no address says otherwise; it is as coarse as ours.
        if (located == GeoLocation.Unknown && claimedCountry is not null) located = new GeoLocation(claimedCountry, claimedRegion, claimedCity);
        stored.Geo(located, project.AllowCity);
        return stored;
    }

    /// <summary>Property names up to this many chars are looked up without a string (every well-known one is far shorter).</summary>
    private const int NameChars = 128;
    /// <summary>Values up to this many chars (URLs, identifiers) are read without a string.</summary>
    private const int ValueChars = 1024;

    private static PropertyRole RoleOf(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        var role = RolesByUtf8.RoleOf(raw);
        // No well-known name holds a backslash, so only a name not found can be an escaped form of one ("$device\u005fid").
        return role == PropertyRole.Keep && raw.IndexOf((byte)'\\') >= 0 ? Roles.GetValueOrDefault(property.Name, PropertyRole.Keep) : role;
    }

    /// <summary>The property's name: its raw UTF-8 decoded into <paramref name="buffer"/>, or the unescaped string when it has escapes or is long.</summary>
    private static ReadOnlySpan<char> NameOf(JsonProperty property, Span<char> buffer)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Length > buffer.Length || raw.IndexOf((byte)'\\') >= 0) return property.Name;
        return buffer[..Encoding.UTF8.GetChars(raw, buffer)];
    }

    /// <summary>
    /// <see cref="AsString"/> without the string where it can: the chars of a string (unescaped) or number (as written)
    /// decoded into <paramref name="scratch"/>; empty for other kinds. <paramref name="asString"/> is set when a string
    /// had to be made anyway (escapes, long values).
    /// </summary>
    private static ReadOnlySpan<char> TextOf(JsonElement value, Span<char> scratch, out string? asString)
    {
        asString = null;
        var kind = value.ValueKind;
        if (kind is not (JsonValueKind.String or JsonValueKind.Number)) return default;
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (kind == JsonValueKind.String) raw = raw[1..^1];
        if (raw.Length > scratch.Length || (kind == JsonValueKind.String && raw.IndexOf((byte)'\\') >= 0))
        {
            asString = AsString(value);
            return asString;
        }
        return scratch[..Encoding.UTF8.GetChars(raw, scratch)];
    }

    private static string? ReferrerHost(JsonElement referrer, JsonElement referringDomain, Span<char> scratch)
    {
        var host = UrlMinimiser.HostOnly(TextOf(referrer, scratch, out var text), text);
        if (host.IsEmpty) host = UrlMinimiser.HostOnly(TextOf(referringDomain, scratch, out text), text);
        if (host.IsEmpty) return null;
        return text is not null && host.SequenceEqual(text) ? text : ReferrerHosts.Get(host);
    }

    private static bool IsGroupKey(IReadOnlySet<string> groupKeys, ReadOnlySpan<char> name) =>
        groupKeys is HashSet<string> set && set.TryGetAlternateLookup<ReadOnlySpan<char>>(out var lookup)
            ? lookup.Contains(name)
            : groupKeys.Contains(name.ToString());

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

    private static Pseudonym? PseudonymOf(PseudonymCache pseudonyms, JsonElement value, Span<char> scratch)
    {
        var identifier = TextOf(value, scratch, out _);
        return identifier.IsEmpty ? null : pseudonyms.Compute(identifier);
    }

    private static void WritePseudonymised(Utf8JsonWriter writer, ReadOnlySpan<char> name, JsonElement value, PseudonymCache pseudonyms, Span<char> scratch)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray(name);
            foreach (var item in value.EnumerateArray())
            {
                var id = TextOf(item, scratch, out _);
                if (!id.IsEmpty) WritePseudonymValue(writer, pseudonyms.ComputeDistinctId(id));
            }
            writer.WriteEndArray();
            return;
        }
        var single = TextOf(value, scratch, out _);
        if (single.IsEmpty) return;
        writer.WritePropertyName(name);
        WritePseudonymValue(writer, pseudonyms.ComputeDistinctId(single));
    }

    /// <summary>A group property (one id or a list): each id becomes the group's pseudonym, as on its group profile.</summary>
    internal static void WriteGroupIds(Utf8JsonWriter writer, ReadOnlySpan<char> groupKey, JsonElement value, PseudonymCache pseudonyms)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            writer.WriteStartArray(groupKey);
            foreach (var item in value.EnumerateArray())
            {
                var id = AsString(item);
                if (!string.IsNullOrEmpty(id)) WritePseudonymValue(writer, GroupPseudonym(pseudonyms, groupKey, id));
            }
            writer.WriteEndArray();
            return;
        }
        var single = AsString(value);
        if (string.IsNullOrEmpty(single)) return;
        writer.WritePropertyName(groupKey);
        WritePseudonymValue(writer, GroupPseudonym(pseudonyms, groupKey, single));
    }

    /// <summary>Same as <see cref="PseudonymKey.ComputeGroup"/>, through the cache.</summary>
    [SkipLocalsInit]
    private static Pseudonym GroupPseudonym(PseudonymCache pseudonyms, ReadOnlySpan<char> groupKey, string groupId)
    {
        var length = groupKey.Length + 1 + groupId.Length;
        if (length > PseudonymCache.MaxIdentifierLength) return pseudonyms.Key.ComputeGroup(groupKey.ToString(), groupId);
        Span<char> identifier = stackalloc char[PseudonymCache.MaxIdentifierLength];
        groupKey.CopyTo(identifier);
        identifier[groupKey.Length] = '\u001f';
        groupId.CopyTo(identifier[(groupKey.Length + 1)..]);
        return pseudonyms.Compute(identifier[..length]);
    }

    /// <summary>Writes <see cref="Pseudonym.ToString"/>'s text without making the string.</summary>
    [SkipLocalsInit]
    private static void WritePseudonymValue(Utf8JsonWriter writer, Pseudonym pseudonym)
    {
        Span<char> hex = stackalloc char[32];
        pseudonym.Value.TryFormat(hex, out var written, "x32", CultureInfo.InvariantCulture);
        writer.WriteStringValue(hex[..written]);
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
        int w = width.Value / 100, h = height.Value / 100;
        if (w >= 64 || h >= 64) return MakeScreenBucket(w, h);
        ref var slot = ref ScreenBuckets[w * 64 + h];
        return slot ??= MakeScreenBucket(w, h);
    }

    private static string MakeScreenBucket(int w, int h) => string.Create(CultureInfo.InvariantCulture, $"{w * 100}x{h * 100}");

    /// <summary><c>Short(AsString(value))</c>, with the strings of short values shared between events.</summary>
    private static string? ColumnText(JsonElement value)
    {
        var kind = value.ValueKind;
        if (kind is not (JsonValueKind.String or JsonValueKind.Number)) return null;
        var raw = JsonMarshal.GetRawUtf8Value(value);
        if (kind == JsonValueKind.String) raw = raw[1..^1];
        // Up to 64 bytes is up to 64 chars, so nothing to cut.
        if (raw.Length > ShortTextCache.MaxBytes || (kind == JsonValueKind.String && raw.IndexOf((byte)'\\') >= 0)) return Short(AsString(value));
        return ColumnTexts.Get(raw);
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
