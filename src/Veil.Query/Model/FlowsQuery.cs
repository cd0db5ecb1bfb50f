namespace Veil.Query.Model;

/// <summary>
/// A flows report: from each person's first <see cref="Anchor"/> event in the range, the next (or, with
/// <see cref="Before"/>, the previous) <see cref="Steps"/> events of that person within <see cref="WindowSeconds"/>
/// (ties in time broken by insert id). At each step the top <see cref="Limit"/> events by persons keep their node; the
/// rest collapse into "other".
/// </summary>
public sealed record FlowsQuery(
    DateRange Range,
    string? TimeZone,
    FunnelStep Anchor,
    int Steps,
    bool Before,
    long WindowSeconds,
    IReadOnlyList<PropertyFilter> Filters,
    int Limit);
