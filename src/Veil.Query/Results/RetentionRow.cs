namespace Veil.Query.Results;

/// <summary>
/// One retention row: a cohort (<see cref="Cohort"/>, its bucket start in local time; null = all cohorts together) for
/// the whole report or one breakdown value. <see cref="Counts"/>[0] is the cohort size, [i] the persons retained in period i.
/// </summary>
public sealed record RetentionRow(IReadOnlyList<string?>? Breakdown, bool Other, DateTime? Cohort, IReadOnlyList<long> Counts)
{
    /// <summary>Per period, true when a threshold hid the count; null when none was hidden.</summary>
    public IReadOnlyList<bool>? Suppressed { get; init; }
}
