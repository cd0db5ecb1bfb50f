namespace Veil.Query.Model;

/// <summary>
/// A funnel: 2–10 steps done in order by the same person. A person enters at their first step-1 event in the date
/// range; each later step is the person's first matching event after the previous step (ties in time broken by
/// insert id) no later than <see cref="WindowSeconds"/> after the entry. <see cref="Breakdown"/> is read on the entry
/// event (top <see cref="Limit"/> values, the rest as "other"). With <see cref="HoldConstant"/>, every later step must
/// carry the entry event's value of that property (unset matches unset). <see cref="Order"/> relaxes or tightens the
/// step order (<see cref="FunnelOrder"/>).
/// </summary>
public sealed record FunnelQuery(
    DateRange Range,
    string? TimeZone,
    IReadOnlyList<FunnelStep> Steps,
    long WindowSeconds,
    IReadOnlyList<PropertyFilter> Filters,
    PropertyRef? Breakdown,
    int Limit,
    IReadOnlyList<FunnelExclusion> Exclusions,
    PropertyRef? HoldConstant = null,
    FunnelOrder Order = FunnelOrder.Sequential);
