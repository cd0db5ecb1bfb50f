using System.Text.Json;

namespace Veil.Load;

/// <summary>Writes a <see cref="BrowserEvent"/> the way one SDK or another puts it on the wire.</summary>
internal static class EventJson
{
    /// <summary>Writes <c>{"event":…,"properties":{…}}</c>.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="e">The event.</param>
    /// <param name="timeInSeconds">The browser sends fractional seconds; /import and the Node SDK send milliseconds.</param>
    /// <param name="token">The project token, which /track reads from the properties; null for authenticated formats.</param>
    /// <param name="afterInsertId">When given, called right after the insert id is written (to note where it lies).</param>
    public static void Write(Utf8JsonWriter writer, BrowserEvent e, bool timeInSeconds, string? token, Action? afterInsertId = null)
    {
        writer.WriteStartObject();
        writer.WriteString("event"u8, e.Name);
        writer.WritePropertyName("properties"u8);
        WriteProperties(writer, e, timeInSeconds, token, afterInsertId);
        writer.WriteEndObject();
    }

    /// <summary>Writes the properties object alone, in mixpanel-browser's order.</summary>
    public static void WriteProperties(Utf8JsonWriter writer, BrowserEvent e, bool timeInSeconds, string? token, Action? afterInsertId = null)
    {
        writer.WriteStartObject();
        writer.WriteString("$os"u8, e.Os);
        writer.WriteString("$browser"u8, e.Browser);
        writer.WriteString("$referrer"u8, e.Referrer);
        writer.WriteString("$referring_domain"u8, e.ReferringDomain);
        writer.WriteString("$current_url"u8, e.CurrentUrl);
        if (e.BrowserVersion is { } version) writer.WriteNumber("$browser_version"u8, version);
        else writer.WriteNull("$browser_version"u8);
        writer.WriteNumber("$screen_height"u8, e.ScreenHeight);
        writer.WriteNumber("$screen_width"u8, e.ScreenWidth);
        writer.WriteString("mp_lib"u8, "web");
        writer.WriteString("$lib_version"u8, "2.83.0");
        writer.WriteString("$insert_id"u8, e.InsertId);
        afterInsertId?.Invoke();
        if (timeInSeconds) writer.WriteNumber("time"u8, e.TimeMs / 1000.0);
        else writer.WriteNumber("time"u8, e.TimeMs);
        writer.WriteString("distinct_id"u8, e.DistinctId);
        writer.WriteString("$device_id"u8, e.DeviceId);
        if (e.UserId is not null) writer.WriteString("$user_id"u8, e.UserId);
        writer.WriteString("$initial_referrer"u8, e.InitialReferrer);
        writer.WriteString("$initial_referring_domain"u8, e.InitialReferringDomain);
        foreach (var (key, value) in e.Custom)
        {
            switch (value)
            {
                case string s: writer.WriteString(key, s); break;
                case int i: writer.WriteNumber(key, i); break;
                case double d: writer.WriteNumber(key, d); break;
                case bool b: writer.WriteBoolean(key, b); break;
                default: throw new InvalidOperationException($"Unexpected custom property type {value.GetType()}.");
            }
        }
        if (token is not null) writer.WriteString("token"u8, token);
        writer.WriteString("mp_sent_by_lib_version"u8, "2.83.0");
        writer.WriteEndObject();
    }
}
