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
}
