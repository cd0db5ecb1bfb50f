namespace Veil.Load;

/// <summary>
/// One pre-generated event, shaped like what mixpanel-browser 2.83 sends. Strings other than the insert id
/// come from small shared pools, so a million of these cost little more than their insert ids.
/// </summary>
internal sealed class BrowserEvent
{
    public required string Name { get; init; }
    public required long TimeMs { get; init; }
    public required string InsertId { get; init; }
    public required string DistinctId { get; init; }
    public required string DeviceId { get; init; }
    public string? UserId { get; init; }
    public required string Os { get; init; }
    public required string Browser { get; init; }
    public required double? BrowserVersion { get; init; }
    public required string CurrentUrl { get; init; }
    public required string Referrer { get; init; }
    public required string ReferringDomain { get; init; }
    public required string InitialReferrer { get; init; }
    public required string InitialReferringDomain { get; init; }
    public required int ScreenWidth { get; init; }
    public required int ScreenHeight { get; init; }

    /// <summary>The app's own properties (a couple per event, as a real tracking plan has).</summary>
    public required KeyValuePair<string, object>[] Custom { get; init; }
}
