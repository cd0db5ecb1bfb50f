using System.Globalization;
using System.Text.Json;
using Veil.Core.Events;
using Veil.Query.Model;

namespace Veil.Query.Reference;

/// <summary>A stored event with its resolved person and parsed properties, and the obvious property semantics.</summary>
internal sealed class ReferenceEvent
{
    private readonly JsonElement _properties;
    private readonly JsonElement? _profile;

    public ReferenceEvent(StoredEvent stored, ReferenceData data)
    {
        Stored = stored;
        Time = DateTime.UnixEpoch.AddTicks(stored.TimeMs * TimeSpan.TicksPerMillisecond);
        if (stored.DistinctId is { } distinct)
        {
            var id = distinct.ToGuid();
            Person = data.IdentityMap.TryGetValue(id, out var person) ? person : id;
        }
        _properties = JsonDocument.Parse(stored.PropertiesJson).RootElement;
        if (Person is { } p && data.Profiles.TryGetValue(p, out var profile)) _profile = JsonDocument.Parse(profile).RootElement;
    }

    public StoredEvent Stored { get; }

    public DateTime Time { get; }

    public Guid? Person { get; }

    public Guid? Session => Stored.SessionId?.ToGuid();

    /// <summary>Before/after in the engine's total order of events: time, then insert id (ordinal).</summary>
    public int CompareOrder(ReferenceEvent other)
    {
        var byTime = Time.CompareTo(other.Time);
        return byTime != 0 ? byTime : string.CompareOrdinal(Stored.InsertId, other.Stored.InsertId);
    }

    public string? Text(PropertyRef property)
    {
        if (BuiltInProperties.ColumnOf(property) is { } column) return Column(column);
        return Json(property)?.ValueKind switch
        {
            null or JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => Json(property)!.Value.GetString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => Json(property)!.Value.GetRawText(),
        };
    }

    /// <summary>The group ids in a free event property: a string, or the strings of an array (other elements ignored).</summary>
    public IEnumerable<string> Strings(string name)
    {
        if (_properties.ValueKind != JsonValueKind.Object || !_properties.TryGetProperty(name, out var value)) return [];
        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList(),
            _ => [],
        };
    }

    public double? Number(PropertyRef property)
    {
        if (BuiltInProperties.ColumnOf(property) is { } column)
        {
            return column == "browser_version" ? Stored.BrowserVersion : Parse(Column(column));
        }
        var value = Json(property);
        return value?.ValueKind switch
        {
            JsonValueKind.Number => value.Value.GetDouble(),
            JsonValueKind.String => Parse(value.Value.GetString()),
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => null,
        };
    }

    private JsonElement? Json(PropertyRef property)
    {
        var source = property.Source == PropertySource.Profile ? _profile : _properties;
        if (source is not { ValueKind: JsonValueKind.Object } obj) return null;
        return obj.TryGetProperty(property.Name, out var value) ? value : null;
    }

    private static double? Parse(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private string? Column(string column) => column switch
    {
        "country" => Stored.Country,
        "region" => Stored.Region,
        "city" => Stored.City,
        "browser" => Stored.Browser,
        "browser_version" => Stored.BrowserVersion?.ToString(CultureInfo.InvariantCulture),
        "os" => Stored.Os,
        "os_version" => Stored.OsVersion,
        "device_type" => Stored.DeviceType,
        "lib" => Stored.Lib,
        "lib_version" => Stored.LibVersion,
        "url" => Stored.Url,
        "referrer_host" => Stored.ReferrerHost,
        "screen" => Stored.Screen,
        _ => throw new ArgumentOutOfRangeException(nameof(column)),
    };
}
