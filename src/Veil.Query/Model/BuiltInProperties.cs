namespace Veil.Query.Model;

/// <summary>Mixpanel-style names of the event columns the privacy pipeline keeps outside the free properties.</summary>
public static class BuiltInProperties
{
    /// <summary>Property name to store column. <c>$browser_version</c> is the only numeric column.</summary>
    public static readonly IReadOnlyDictionary<string, string> Columns = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["$country_code"] = "country",
        ["$region"] = "region",
        ["$city"] = "city",
        ["$browser"] = "browser",
        ["$browser_version"] = "browser_version",
        ["$os"] = "os",
        ["$os_version"] = "os_version",
        ["$device_type"] = "device_type",
        ["mp_lib"] = "lib",
        ["$lib_version"] = "lib_version",
        ["$current_url"] = "url",
        ["$referring_domain"] = "referrer_host",
        ["$screen"] = "screen",
    };

    /// <summary>The column behind an event property, or null when it lives in the JSON properties.</summary>
    public static string? ColumnOf(PropertyRef property) =>
        property.Source == PropertySource.Event && Columns.TryGetValue(property.Name, out var column) ? column : null;
}
