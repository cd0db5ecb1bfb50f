namespace Veil.Query.Model;

/// <summary>
/// A series' measure. <see cref="Property"/> is the numeric property for property aggregates (or the group key for
/// <see cref="MeasureKind.UniqueGroups"/>); <see cref="Percentile"/> is in [0, 100] for the percentile kinds.
/// </summary>
public sealed record Measure(MeasureKind Kind, PropertyRef? Property = null, double Percentile = 50)
{
    /// <summary>Count of events.</summary>
    public static readonly Measure Total = new(MeasureKind.Total);
}
