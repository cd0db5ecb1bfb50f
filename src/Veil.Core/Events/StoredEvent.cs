using Veil.Core.Privacy;

namespace Veil.Core.Events;

/// <summary>
/// One event after the privacy pipeline: identifiers are pseudonyms, context is coarse, and the
/// remaining free properties are a JSON object. This is the only shape that reaches the WAL and the store.
/// </summary>
public sealed class StoredEvent
{
    public int ProjectId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Event time, milliseconds since the Unix epoch (UTC).</summary>
    public long TimeMs { get; set; }
    /// <summary>Mixpanel's <c>$insert_id</c>; assigned by Veil when the client sent none.</summary>
    public string InsertId { get; set; } = "";
    /// <summary>Pseudonym of <c>distinct_id</c> as sent (before identity resolution).</summary>
    public Pseudonym? DistinctId { get; set; }
    public Pseudonym? DeviceId { get; set; }
    public Pseudonym? UserId { get; set; }
    public Pseudonym? SessionId { get; set; }
    public string? Country { get; set; }
    public string? Region { get; set; }
    public string? City { get; set; }
    public string? Browser { get; set; }
    public int? BrowserVersion { get; set; }
    public string? Os { get; set; }
    public string? OsVersion { get; set; }
    public string? DeviceType { get; set; }
    public string? Lib { get; set; }
    public string? LibVersion { get; set; }
    /// <summary>Current URL cut to scheme, host and path (plus allow-listed query keys).</summary>
    public string? Url { get; set; }
    /// <summary>Referrer host only.</summary>
    public string? ReferrerHost { get; set; }
    /// <summary>Screen size bucket such as <c>1280x720</c> rounded, or null.</summary>
    public string? Screen { get; set; }
    /// <summary>Remaining properties after minimisation, as a JSON object.</summary>
    public string PropertiesJson { get; set; } = "{}";
    /// <summary>Arrival time at Veil, milliseconds since the Unix epoch (UTC).</summary>
    public long IngestedAtMs { get; set; }
}
