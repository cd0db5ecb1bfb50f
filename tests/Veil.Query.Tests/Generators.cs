using System.Globalization;
using CsCheck;
using Veil.Core.Events;
using Veil.Core.Privacy;
using Veil.Query.Model;
using Veil.Query.Reference;

namespace Veil.Query.Tests;

/// <summary>
/// CsCheck generators for event logs and queries. Events fall on coarse times (ties are common) over four weeks that
/// hold the 2026 DST changes of New York (8 March) and Berlin (29 March); identities merge; profiles exist for some persons.
/// </summary>
internal static class Generators
{
    public static readonly DateOnly FirstDay = new(2026, 3, 5);
    public const int Days = 29;

    public static readonly string[] Zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"];
    public static readonly string[] Names = ["A", "B", "C"];

    private static Gen<T> Pick<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    public static Pseudonym Id(int n) => new(new UInt128(0xABC, (ulong)n));

    private static readonly Gen<string> Properties = Gen.Select(Gen.Int[0, 3], Gen.Int[-3, 100], Gen.Int[0, 2]).Select((plan, amount, tag) =>
    {
        var parts = new List<string>();
        if (plan > 0) parts.Add($"\"plan\":\"{(plan == 1 ? "free" : plan == 2 ? "pro" : "PRÖ Plüs 日本")}\"");
        if (amount == -1) parts.Add("\"amount\":\"7\"");
        else if (amount == -2) parts.Add("\"amount\":null");
        else if (amount >= 0) parts.Add($"\"amount\":{amount}");
        if (tag > 0) parts.Add($"\"tag\":\"{(tag == 1 ? "x.y" : "a b")}\"");
        // A group key's property: one group id, a list (with a non-string to ignore and a repeat), or none.
        var company = (amount + 3) % 6;
        if (company < 5) parts.Add("\"company\":" + new[] { "\"g1\"", "[\"g1\",\"g2\"]", "[\"g2\",3,\"g2\"]", "[]", "\"g3\"" }[company]);
        return "{" + string.Join(",", parts) + "}";
    });

    private static readonly Gen<(string? Browser, string? Country, int? Version)> Context =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 2]).Select((b, c, v) => (
            b == 0 ? null : b == 1 ? "Chrome" : "Firefox",
            c == 0 ? (string?)null : c == 1 ? "DE" : "US",
            v == 0 ? (int?)null : v));

    private static Gen<StoredEvent> Event(int days) => Gen.Select(
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, days - 1], Pick(0, 1, 2, 3, 5, 22, 23), Pick(0, 0, 30, 59)),
        Gen.Select(Gen.Int[-1, 5], Gen.Int[-1, 2], Gen.Int[0, 999]),
        Context,
        Properties).Select((when, who, context, properties) =>
        {
            var (name, day, hour, minute) = when;
            var (person, session, order) = who;
            var time = FirstDay.AddDays(day).ToDateTime(new TimeOnly(hour, minute), DateTimeKind.Utc);
            return new StoredEvent
            {
                Name = Names[name],
                TimeMs = (long)(time - DateTime.UnixEpoch).TotalMilliseconds,
                InsertId = order.ToString("000", CultureInfo.InvariantCulture),
                DistinctId = person < 0 ? null : Id(person),
                SessionId = session < 0 ? null : new Pseudonym(new UInt128(0xDEF, (ulong)session)),
                Browser = context.Browser,
                Country = context.Country,
                BrowserVersion = context.Version,
                PropertiesJson = properties,
                IngestedAtMs = 1,
            };
        });

    /// <summary>A log of up to 40 events, an identity map over six distinct ids and profiles for some persons.</summary>
    public static readonly Gen<ReferenceData> Data = DataOver(Days);

    /// <summary>Events packed into the first few days, so funnel steps often fall inside short windows.</summary>
    public static readonly Gen<ReferenceData> DenseData = DataOver(2);

    private static Gen<ReferenceData> DataOver(int days) => Gen.Select(Event(days).Array[0, 40], Gen.Int[-1, 5].Array[6], Gen.Int[0, 2].Array[6])
        .Select((events, merges, tiers) =>
        {
            // Unique insert ids whose order is random (ties in time are broken by it).
            for (var i = 0; i < events.Length; i++) events[i].InsertId += "-" + i.ToString(CultureInfo.InvariantCulture);
            var map = new Dictionary<Guid, Guid>();
            for (var i = 0; i < merges.Length; i++)
            {
                if (merges[i] >= 0 && merges[i] != i) map[Id(i).ToGuid()] = Id(merges[i]).ToGuid();
            }
            var profiles = new Dictionary<Guid, string>();
            for (var i = 0; i < tiers.Length; i++)
            {
                if (tiers[i] > 0) profiles[Id(i).ToGuid()] = tiers[i] == 1 ? "{\"tier\":\"gold\"}" : "{\"tier\":\"silver\",\"age\":40}";
            }
            return new ReferenceData(events, map, profiles);
        });

    /// <summary>
    /// The cohorts every generated project has (ids 1-4; 4 = dropped at step 3 of a funnel), dynamic, evaluated at
    /// <see cref="QueryStore.Now"/>; 5 is cohort 1 as a static cohort (its members as snapshot by the test).
    /// </summary>
    public static readonly IReadOnlyDictionary<long, CohortDefinition> Cohorts = new Dictionary<long, CohortDefinition>
    {
        [1] = new([CohortCriterion.Did("A", atLeast: 2)]),
        [2] = new([CohortCriterion.DidNotDo("B", withinDays: 10), CohortCriterion.HasProfile(new(new("tier", PropertySource.Profile), FilterOperator.Equals, ["gold"], []))]),
        [3] = new([CohortCriterion.Did("C", 1, withinDays: 20, filters: [new(new("plan"), FilterOperator.Equals, ["pro"], [])])]),
        [4] = new([CohortCriterion.DroppedOff(new FunnelQuery(DateRange.Last(40), "Europe/Berlin", [new("A", []), new("B", []), new("C", [])], 86_400, [], null, 10, []), 2)]),
        [5] = new([CohortCriterion.Did("A", atLeast: 2)], Static: true),
    };

    private static readonly PropertyFilter[] FilterPool =
    [
        new(new("$cohort"), FilterOperator.InCohort, [], [], 1),
        new(new("$cohort"), FilterOperator.NotInCohort, [], [], 2),
        new(new("$cohort"), FilterOperator.InCohort, [], [], 3),
        new(new("$cohort"), FilterOperator.NotInCohort, [], [], 4),
        new(new("plan"), FilterOperator.Equals, ["pro"], []),
        new(new("plan"), FilterOperator.Equals, ["pro", "free"], []),
        new(new("plan"), FilterOperator.NotEquals, ["free"], []),
        new(new("plan"), FilterOperator.Contains, ["PRO"], []),
        new(new("plan"), FilterOperator.Contains, ["prö"], []),
        new(new("plan"), FilterOperator.Equals, ["PRÖ Plüs 日本"], []),
        new(new("plan"), FilterOperator.NotContains, ["o"], []),
        new(new("plan"), FilterOperator.Regex, ["^p"], []),
        new(new("plan"), FilterOperator.NotRegex, ["e+$"], []),
        new(new("plan"), FilterOperator.IsNotSet, [], []),
        new(new("$browser"), FilterOperator.Equals, ["Chrome"], []),
        new(new("$country_code"), FilterOperator.IsSet, [], []),
        new(new("amount"), FilterOperator.GreaterThan, [], [50]),
        new(new("amount"), FilterOperator.Between, [], [7, 60]),
        new(new("amount"), FilterOperator.LessThan, [], [7.5]),
        new(new("amount"), FilterOperator.Equals, ["7"], []),
        new(new("$browser_version"), FilterOperator.LessOrEqual, [], [1]),
        new(new("tier", PropertySource.Profile), FilterOperator.Equals, ["gold"], []),
        new(new("age", PropertySource.Profile), FilterOperator.GreaterOrEqual, [], [18]),
        new(new("tag"), FilterOperator.Equals, ["x.y"], []),
    ];

    private static readonly Measure[] MeasurePool =
    [
        Measure.Total,
        new(MeasureKind.UniquePersons),
        new(MeasureKind.Sessions),
        new(MeasureKind.PerPersonAverage),
        new(MeasureKind.PerPersonPercentile, null, 50),
        new(MeasureKind.PerPersonPercentile, null, 90),
        new(MeasureKind.UniqueGroups, new("company")),
        new(MeasureKind.Sum, new("amount")),
        new(MeasureKind.Average, new("amount")),
        new(MeasureKind.Min, new("amount")),
        new(MeasureKind.Max, new("$browser_version")),
        new(MeasureKind.Percentile, new("amount"), 25),
        new(MeasureKind.Percentile, new("age", PropertySource.Profile), 50),
    ];

    private static readonly PropertyRef[] BreakdownPool =
        [new("$browser"), new("plan"), new("tier", PropertySource.Profile), new("$browser_version"), new("$country_code"), new("amount")];

    // Insights may also break down by cohort (dynamic, funnel drop-off and static).
    private static readonly PropertyRef[] ReportBreakdownPool = [.. BreakdownPool, PropertyRef.Cohort(1), PropertyRef.Cohort(4), PropertyRef.Cohort(5)];

    public static readonly Gen<IReadOnlyList<PropertyFilter>> Filters = Gen.Int[0, FilterPool.Length - 1].Array[0, 2]
        .Select(ix => (IReadOnlyList<PropertyFilter>)ix.Select(i => FilterPool[i]).ToList());

    /// <summary>Absolute ranges inside (and past) the data, or relative ones from <see cref="QueryStore.Now"/>.</summary>
    public static readonly Gen<DateRange> Range = Gen.Select(Gen.Int[-2, Days + 1], Gen.Int[0, Days], Gen.Int[0, 4]).Select((start, length, kind) =>
        kind == 0 ? DateRange.Last(Math.Max(1, length + 1)) : DateRange.Absolute(FirstDay.AddDays(start), FirstDay.AddDays(start + length)));

    private static readonly Gen<DateRange> ShortRange = Gen.Select(Gen.Int[-1, 2], Gen.Int[0, 3])
        .Select((start, length) => DateRange.Absolute(FirstDay.AddDays(start), FirstDay.AddDays(start + length)));

    private static readonly Gen<InsightsSeries> Series = Gen.Select(Gen.Int[0, 3], Gen.Int[0, MeasurePool.Length - 1], Filters)
        .Select((e, m, f) => new InsightsSeries(e == 3 ? null : Names[e], MeasurePool[m], f));

    public static readonly Gen<InsightsQuery> Insights = Gen.Select(
        Range, Gen.Int[0, Zones.Length - 1], Gen.Enum<Interval>(), Series.Array[1, 2], Filters,
        Gen.Int[0, ReportBreakdownPool.Length - 1].Array[0, 2], Gen.Int[1, 3]).Select((range, zone, interval, series, filters, breakdowns, limit) =>
        {
            // Minute buckets only over short absolute ranges (at most two days).
            if (interval == Interval.Minute) range = DateRange.Absolute(FirstDay.AddDays(3), FirstDay.AddDays(4));
            return new InsightsQuery(range, Zones[zone], interval, series, filters, breakdowns.Distinct().Select(i => ReportBreakdownPool[i]).ToList(), limit, null);
        });

    public static readonly Gen<RetentionQuery> Retention = Gen.Select(
        Gen.Select(Range, Gen.Int[0, Zones.Length - 1], Gen.Int[0, 2], Gen.Int[0, 2]),
        Gen.Select(Gen.Int[0, 2], Gen.Int[1, 8], Gen.Bool, Gen.Bool),
        Gen.Select(Filters, Gen.Int[-1, ReportBreakdownPool.Length - 1], Gen.Int[1, 3], Gen.Int[0, FilterPool.Length])).Select((a, b, c) =>
        {
            var (range, zone, born, returned) = a;
            var (unit, periods, firstTime, unbounded) = b;
            var (filters, breakdown, limit, bornFilter) = c;
            var units = new[] { Interval.Day, Interval.Week, Interval.Month };
            var bornStep = new FunnelStep(Names[born], bornFilter < FilterPool.Length ? [FilterPool[bornFilter]] : []);
            return new RetentionQuery(range, Zones[zone], bornStep, new FunnelStep(Names[returned], []), units[unit], periods, firstTime, unbounded,
                filters, breakdown < 0 ? null : ReportBreakdownPool[breakdown], limit);
        });

    public static readonly Gen<FlowsQuery> Flows = Gen.Select(
        Gen.Select(Gen.Frequency((1, Range), (3, ShortRange)), Gen.Int[0, Zones.Length - 1], Gen.Int[0, 2], Gen.Int[0, FilterPool.Length]),
        Gen.Select(Gen.Int[1, 4], Gen.Bool, Pick(60L, 1800L, 6 * 3600L, 86_400L, 7 * 86_400L), Filters, Gen.Int[1, 3])).Select((a, b) =>
        {
            var (range, zone, anchor, anchorFilter) = a;
            var (steps, before, window, filters, limit) = b;
            var step = new FunnelStep(Names[anchor], anchorFilter < FilterPool.Length ? [FilterPool[anchorFilter]] : []);
            return new FlowsQuery(range, Zones[zone], step, steps, before, window, filters, limit);
        });

    private static readonly Gen<FunnelStep> Step = Gen.Select(Gen.Int[0, 2], Gen.Int[0, FilterPool.Length - 1].Array[0, 1])
        .Select((e, f) => new FunnelStep(Names[e], f.Select(i => FilterPool[i]).ToList()));

    public static readonly Gen<FunnelQuery> Funnel = Gen.Select(
        Gen.Select(Gen.Frequency((1, Range), (3, ShortRange)), Gen.Int[0, Zones.Length - 1], Step.Array[2, 4], Pick(1L, 1800L, 6 * 3600L, 86_400L, 3 * 86_400L, 90 * 86_400L)),
        Gen.Select(Filters, Gen.Int[-1, ReportBreakdownPool.Length - 1], Gen.Int[1, 3], Gen.Int[-1, 2]),
        Gen.Enum<FunnelOrder>()).Select((a, b, order) =>
        {
            var (range, zone, steps, window) = a;
            var (filters, breakdown, limit, exclusion) = b;
            FunnelExclusion[] exclusions = exclusion < 0 ? [] : [new FunnelExclusion(Names[exclusion], [], 0, steps.Length - 1)];
            // Hold constant on some funnels (reusing the exclusion draw keeps the generator within Select's arity).
            var held = exclusion == 2 ? BreakdownPool[(breakdown + 2) % BreakdownPool.Length] : null;
            return new FunnelQuery(range, Zones[zone], steps, window, filters, breakdown < 0 ? null : ReportBreakdownPool[breakdown], limit, exclusions, held, order);
        });
}
