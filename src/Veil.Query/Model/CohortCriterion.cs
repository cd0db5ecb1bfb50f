namespace Veil.Query.Model;

/// <summary>
/// One condition of a cohort. Behaviour: the person did <see cref="Event"/> (with <see cref="Filters"/>) at least
/// <see cref="MinCount"/> times — or, with <see cref="DidNot"/>, never — in the last <see cref="WithinDays"/> days
/// (null = ever). Profile: the person's profile meets <see cref="Profile"/>.
/// </summary>
public sealed record CohortCriterion(string? Event, IReadOnlyList<PropertyFilter> Filters, int MinCount, bool DidNot, int? WithinDays, PropertyFilter? Profile)
{
    public static CohortCriterion Did(string name, int atLeast = 1, int? withinDays = null, IReadOnlyList<PropertyFilter>? filters = null) =>
        new(name, filters ?? [], atLeast, false, withinDays, null);

    public static CohortCriterion DidNotDo(string name, int? withinDays = null, IReadOnlyList<PropertyFilter>? filters = null) =>
        new(name, filters ?? [], 1, true, withinDays, null);

    public static CohortCriterion HasProfile(PropertyFilter filter) => new(null, [], 0, false, null, filter);
}
