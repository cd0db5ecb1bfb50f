namespace Veil.Query.Model;

/// <summary>
/// One condition of a cohort. Behaviour: the person did <see cref="Event"/> (with <see cref="Filters"/>) at least
/// <see cref="MinCount"/> times — or, with <see cref="DidNot"/>, never — in the last <see cref="WithinDays"/> days
/// (null = ever). Profile: the person's profile meets <see cref="Profile"/>. Drop-off: the person entered
/// <see cref="Funnel"/> and reached step <see cref="DroppedAt"/> - 1 but not step <see cref="DroppedAt"/>.
/// </summary>
public sealed record CohortCriterion(string? Event, IReadOnlyList<PropertyFilter> Filters, int MinCount, bool DidNot, int? WithinDays, PropertyFilter? Profile)
{
    public static CohortCriterion Did(string name, int atLeast = 1, int? withinDays = null, IReadOnlyList<PropertyFilter>? filters = null) =>
        new(name, filters ?? [], atLeast, false, withinDays, null);

    public static CohortCriterion DidNotDo(string name, int? withinDays = null, IReadOnlyList<PropertyFilter>? filters = null) =>
        new(name, filters ?? [], 1, true, withinDays, null);

    public static CohortCriterion HasProfile(PropertyFilter filter) => new(null, [], 0, false, null, filter);

    public static CohortCriterion DroppedOff(FunnelQuery funnel, int step) => new(null, [], 0, false, null, null) { Funnel = funnel, DroppedAt = step };

    /// <summary>The funnel of a drop-off criterion (its range resolved when the cohort is used; zone UTC unless set).</summary>
    public FunnelQuery? Funnel { get; init; }

    /// <summary>The step (1-based index into the funnel's steps, at least 1) at which members dropped.</summary>
    public int DroppedAt { get; init; }
}
