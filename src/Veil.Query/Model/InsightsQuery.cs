namespace Veil.Query.Model;

/// <summary>
/// An insights report: one or more series over a date range, bucketed by <see cref="Interval"/>, with global filters,
/// up to three breakdown properties (top <see cref="Limit"/> combinations per series, the rest as "other") and an
/// optional formula over the series (letters A, B, … in series order).
/// </summary>
public sealed record InsightsQuery(
    DateRange Range,
    string? TimeZone,
    Interval Interval,
    IReadOnlyList<InsightsSeries> Series,
    IReadOnlyList<PropertyFilter> Filters,
    IReadOnlyList<PropertyRef> Breakdowns,
    int Limit,
    string? Formula);
