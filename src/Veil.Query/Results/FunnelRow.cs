namespace Veil.Query.Results;

/// <summary>
/// One funnel row: the whole funnel (<see cref="Breakdown"/> null) or one breakdown value (or <see cref="Other"/>).
/// <see cref="Counts"/>[k] is how many persons reached step k; <see cref="MedianSeconds"/>[k] the median time from entry
/// to step k over those persons (null for step 0 and steps nobody reached).
/// </summary>
public sealed record FunnelRow(IReadOnlyList<string?>? Breakdown, bool Other, IReadOnlyList<long> Counts, IReadOnlyList<double?> MedianSeconds)
{
    /// <summary>Per step, true when a threshold hid the count and median (fewer persons than k); null when none was hidden.</summary>
    public IReadOnlyList<bool>? Suppressed { get; init; }

    /// <summary>
    /// How long the persons who completed the funnel took from entry to the last step, counted in the buckets that end
    /// at <see cref="ConversionBuckets"/> seconds (exclusive), the last bucket open-ended.
    /// </summary>
    public IReadOnlyList<long> TimeToConvert { get; init; } = [];

    /// <summary>Upper bounds (seconds, exclusive) of the time-to-convert buckets: 1 minute, 10 minutes, 1 hour, 1 day, 1 week; then the rest.</summary>
    public static readonly IReadOnlyList<long> ConversionBuckets = [60, 600, 3600, 86_400, 604_800];
}
