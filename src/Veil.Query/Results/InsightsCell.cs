namespace Veil.Query.Results;

/// <summary>
/// One non-empty cell of an insights report: series index, bucket start in local time (null for
/// <see cref="Model.Interval.Total"/>), breakdown values (null = not set) or <see cref="Other"/>, and the value (null when
/// a property aggregate saw no numeric value).
/// </summary>
public sealed record InsightsCell(int Series, DateTime? Bucket, IReadOnlyList<string?> Breakdown, bool Other, double? Value)
{
    /// <summary>Distinct persons behind the cell, for thresholds; null when not computed.</summary>
    public long? Persons { get; init; }

    /// <summary>True when a threshold hid the value (fewer persons than k).</summary>
    public bool Suppressed { get; init; }
}
