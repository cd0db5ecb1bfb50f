namespace Veil.Query.Model;

/// <summary>
/// A retention report. A person is born into the cohort of the <see cref="Unit"/> bucket (query time zone) holding their
/// birth event: the first ever (<see cref="FirstTime"/>) birth event, which must fall in the range, or every bucket of
/// the range in which they did it (recurring). Period i (1..<see cref="Periods"/>) counts persons of a cohort who did
/// the return event in the i-th bucket after the cohort's, or — <see cref="Unbounded"/> — in that bucket or any later one.
/// <see cref="Breakdown"/> is read on the birth event (the first in its bucket).
/// </summary>
public sealed record RetentionQuery(
    DateRange Range,
    string? TimeZone,
    FunnelStep Born,
    FunnelStep Return,
    Interval Unit,
    int Periods,
    bool FirstTime,
    bool Unbounded,
    IReadOnlyList<PropertyFilter> Filters,
    PropertyRef? Breakdown,
    int Limit);
