using System.Text.RegularExpressions;
using Veil.Query.Model;
using Veil.Query.Results;

namespace Veil.Query.Reference;

/// <summary>
/// The deliberately naive implementation of every report over an in-memory list of events: obviously correct and slow.
/// Property tests check the SQL planners against it.
/// </summary>
public sealed class ReferenceEngine(ReferenceData data, Func<long, CohortDefinition?>? cohorts = null, DateTime? nowUtc = null)
{
    private readonly List<ReferenceEvent> _events = data.Events.Select(e => new ReferenceEvent(e, data)).ToList();
    private readonly Dictionary<long, HashSet<Guid>> _members = [];

    /// <summary>The cells of every series, as the SQL engine returns them (non-empty cells only).</summary>
    public List<InsightsCell> Insights(int projectId, InsightsQuery query, ResolvedRange range)
    {
        var cells = new List<InsightsCell>();
        for (var s = 0; s < query.Series.Count; s++)
        {
            var series = query.Series[s];
            var matching = _events.Where(e => e.Stored.ProjectId == projectId && e.Time >= range.FromUtc && e.Time < range.ToUtc
                && (series.Event is null || e.Stored.Name == series.Event)
                && series.Filters.All(f => Matches(e, f)) && query.Filters.All(f => Matches(e, f))).ToList();
            var keyOf = TopKeys(matching, e => query.Breakdowns.Select(b => Text(e, b)).ToArray(), query.Breakdowns.Count > 0 ? query.Limit : int.MaxValue);
            var groups = matching.GroupBy(e => (Bucket: TimeZones.Bucket(e.Time, range.Zone, query.Interval), Key: keyOf(e)));
            foreach (var group in groups)
            {
                var events = group.ToList();
                var persons = events.Where(e => e.Person is not null).Select(e => e.Person!.Value).Distinct().Count();
                var (key, other) = group.Key.Key;
                double? value;
                switch (series.Measure.Kind)
                {
                    case MeasureKind.Total: value = events.Count; break;
                    case MeasureKind.UniquePersons: value = persons; break;
                    case MeasureKind.Sessions: value = events.Where(e => e.Session is not null).Select(e => e.Session).Distinct().Count(); break;
                    case MeasureKind.UniqueGroups: value = events.SelectMany(e => e.Strings(series.Measure.Property!.Name)).Distinct().Count(); break;
                    case MeasureKind.PerPersonAverage or MeasureKind.PerPersonPercentile:
                        var counts = events.Where(e => e.Person is not null).GroupBy(e => e.Person).Select(g => (double)g.Count()).ToList();
                        if (counts.Count == 0) continue;
                        value = series.Measure.Kind == MeasureKind.PerPersonAverage ? counts.Average() : Percentile(counts, series.Measure.Percentile / 100);
                        break;
                    default:
                        var numbers = events.Select(e => e.Number(series.Measure.Property!)).Where(v => v is not null).Select(v => v!.Value).ToList();
                        value = numbers.Count == 0 ? null : series.Measure.Kind switch
                        {
                            MeasureKind.Sum => numbers.Sum(),
                            MeasureKind.Average => numbers.Average(),
                            MeasureKind.Min => numbers.Min(),
                            MeasureKind.Max => numbers.Max(),
                            MeasureKind.Percentile => Percentile(numbers, series.Measure.Percentile / 100),
                            _ => throw new NotSupportedException(series.Measure.Kind.ToString()),
                        };
                        break;
                }
                cells.Add(new InsightsCell(s, group.Key.Bucket, other ? [] : key, other, value) { Persons = persons });
            }
        }
        return cells;
    }

    /// <summary>The funnel rows: the whole funnel first, then one row per breakdown value kept (and "other").</summary>
    public List<FunnelRow> Funnel(int projectId, FunnelQuery query, ResolvedRange range)
    {
        var n = query.Steps.Count;
        var entries = FunnelPaths(projectId, query, range);
        var rows = new List<FunnelRow> { Row(null, false, entries) };
        if (query.Breakdown is { } breakdown)
        {
            var keyOf = TopKeys(entries.Select(x => x.Entry).ToList(), e => [Text(e, breakdown)], query.Limit);
            foreach (var group in entries.GroupBy(x => keyOf(x.Entry)))
            {
                rows.Add(Row(group.Key.Other ? [] : group.Key.Key, group.Key.Other, group.ToList()));
            }
        }
        return rows;

        FunnelRow Row(IReadOnlyList<string?>? key, bool other, List<(ReferenceEvent Entry, ReferenceEvent?[] Steps)> people)
        {
            var counts = new long[n];
            var medians = new double?[n];
            for (var k = 0; k < n; k++)
            {
                var reached = people.Where(p => p.Steps[k] is not null).ToList();
                counts[k] = reached.Count;
                if (k > 0 && reached.Count > 0)
                {
                    medians[k] = Percentile(reached.Select(p => (p.Steps[k]!.Time - p.Entry.Time).TotalMilliseconds / 1000.0).ToList(), 0.5);
                }
            }
            var histogram = new long[FunnelRow.ConversionBuckets.Count + 1];
            foreach (var p in people.Where(p => p.Steps[n - 1] is not null))
            {
                var seconds = (p.Steps[n - 1]!.Time - p.Entry.Time).TotalMilliseconds / 1000.0;
                var bucket = FunnelRow.ConversionBuckets.Count(edge => seconds >= edge);
                histogram[bucket]++;
            }
            return new FunnelRow(key, other, counts, medians) { TimeToConvert = histogram };
        }
    }

    /// <summary>Each entering person's entry event and matched steps (null from the first step not reached), after exclusions.</summary>
    private List<(ReferenceEvent Entry, ReferenceEvent?[] Steps)> FunnelPaths(int projectId, FunnelQuery query, ResolvedRange range)
    {
        var n = query.Steps.Count;
        var window = TimeSpan.FromSeconds(query.WindowSeconds);
        var entries = new List<(ReferenceEvent Entry, ReferenceEvent?[] Steps)>();
        foreach (var person in _events.Where(e => e.Stored.ProjectId == projectId && e.Person is not null && query.Filters.All(f => Matches(e, f)))
                     .GroupBy(e => e.Person))
        {
            var ordered = person.ToList();
            ordered.Sort((a, b) => a.CompareOrder(b));
            var entry = ordered.FirstOrDefault(e => e.Time >= range.FromUtc && e.Time < range.ToUtc && IsStep(e, query.Steps[0]));
            if (entry is null) continue;
            var limit = entry.Time + window;
            var steps = new ReferenceEvent?[n];
            steps[0] = entry;
            bool Fits(ReferenceEvent e, int k) => e.Time <= limit && IsStep(e, query.Steps[k])
                && (query.HoldConstant is not { } held || e.Text(held) == entry.Text(held));
            var used = new List<ReferenceEvent>();
            for (var k = 1; k < n; k++)
            {
                var previous = steps[k - 1]!;
                switch (query.Order)
                {
                    case FunnelOrder.Strict:
                        // The person's very next event (among those passing the funnel's filters) must be the step.
                        var index = ordered.IndexOf(previous) + 1;
                        steps[k] = index < ordered.Count && Fits(ordered[index], k) ? ordered[index] : null;
                        break;
                    case FunnelOrder.Any:
                        // The earliest matching event after the entry not taken by an earlier-listed step; the step is
                        // reached when all steps up to it are done, i.e. at the latest of their events.
                        var taken = ordered.FirstOrDefault(e => e.CompareOrder(entry) > 0 && Fits(e, k) && !used.Any(u => u.CompareOrder(e) == 0));
                        if (taken is not null) used.Add(taken);
                        steps[k] = taken is null ? null : previous.CompareOrder(taken) > 0 ? previous : taken;
                        break;
                    default:
                        steps[k] = ordered.FirstOrDefault(e => e.CompareOrder(previous) > 0 && Fits(e, k));
                        break;
                }
                if (steps[k] is null) break;
            }
            var excluded = query.Exclusions.Any(x => steps[x.AfterStep] is { } after && ordered.Any(e =>
                e.Stored.Name == x.Event && x.Filters.All(f => Matches(e, f)) && e.CompareOrder(after) > 0
                && (steps[x.BeforeStep] is { } before ? e.CompareOrder(before) < 0 : e.Time <= limit)));
            if (!excluded) entries.Add((entry, steps));
        }
        return entries;
    }

    /// <summary>Retention rows: per breakdown key, one row per cohort and one for all cohorts (cohort null).</summary>
    public List<RetentionRow> Retention(int projectId, RetentionQuery query, ResolvedRange range)
    {
        var cohorts = new List<(DateTime Cohort, ReferenceEvent Birth, HashSet<int> Periods)>();
        foreach (var person in _events.Where(e => e.Stored.ProjectId == projectId && e.Person is not null && query.Filters.All(f => Matches(e, f)))
                     .GroupBy(e => e.Person))
        {
            var ordered = person.ToList();
            ordered.Sort((a, b) => a.CompareOrder(b));
            var births = ordered.Where(e => IsStep(e, query.Born)).ToList();
            if (query.FirstTime) births = births.Take(1).ToList();
            births = births.Where(e => e.Time >= range.FromUtc && e.Time < range.ToUtc).ToList();
            foreach (var birth in births.GroupBy(e => TimeZones.Bucket(e.Time, range.Zone, query.Unit)!.Value).Select(g => g.First()))
            {
                var cohort = TimeZones.Bucket(birth.Time, range.Zone, query.Unit)!.Value;
                var periods = ordered.Where(e => IsStep(e, query.Return))
                    .Select(e => Periods(query.Unit, cohort, TimeZones.Bucket(e.Time, range.Zone, query.Unit)!.Value))
                    .Where(p => p >= 1).ToHashSet();
                cohorts.Add((cohort, birth, periods));
            }
        }
        var keyOf = TopKeys(cohorts, c => [query.Breakdown is null ? null : Text(c.Birth, query.Breakdown)], query.Breakdown is null ? int.MaxValue : query.Limit);
        var rows = new List<RetentionRow>();
        foreach (var byKey in cohorts.GroupBy(c => keyOf(c)))
        {
            IReadOnlyList<string?>? breakdown = query.Breakdown is null ? null : byKey.Key.Other ? [] : byKey.Key.Key;
            rows.Add(new RetentionRow(breakdown, byKey.Key.Other, null, Counts(byKey.ToList())));
            foreach (var byCohort in byKey.GroupBy(c => c.Cohort))
            {
                rows.Add(new RetentionRow(breakdown, byKey.Key.Other, byCohort.Key, Counts(byCohort.ToList())));
            }
        }
        return rows;

        long[] Counts(List<(DateTime Cohort, ReferenceEvent Birth, HashSet<int> Periods)> members)
        {
            var counts = new long[query.Periods + 1];
            counts[0] = members.Count;
            for (var i = 1; i <= query.Periods; i++)
            {
                counts[i] = members.Count(m => query.Unbounded ? m.Periods.Count > 0 && m.Periods.Max() >= i : m.Periods.Contains(i));
            }
            return counts;
        }
    }

    /// <summary>Flows nodes and links, steps negative before the anchor.</summary>
    public (List<FlowNode> Nodes, List<FlowLink> Links) Flows(int projectId, FlowsQuery query, ResolvedRange range)
    {
        var window = TimeSpan.FromSeconds(query.WindowSeconds);
        var paths = new List<string[]>();
        foreach (var person in _events.Where(e => e.Stored.ProjectId == projectId && e.Person is not null && query.Filters.All(f => Matches(e, f)))
                     .GroupBy(e => e.Person))
        {
            var ordered = person.ToList();
            ordered.Sort((a, b) => a.CompareOrder(b));
            var anchor = ordered.FirstOrDefault(e => e.Time >= range.FromUtc && e.Time < range.ToUtc && IsStep(e, query.Anchor));
            if (anchor is null) continue;
            var next = query.Before
                ? ordered.Where(e => e.CompareOrder(anchor) < 0 && e.Time >= anchor.Time - window).Reverse()
                : ordered.Where(e => e.CompareOrder(anchor) > 0 && e.Time <= anchor.Time + window);
            paths.Add([query.Anchor.Event, .. next.Take(query.Steps).Select(e => e.Stored.Name)]);
        }
        var kept = new Dictionary<(int Step, string Event), bool>();
        for (var step = 0; step <= query.Steps; step++)
        {
            var ranked = paths.Where(p => p.Length > step).GroupBy(p => p[step])
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select((g, i) => (g.Key, i < query.Limit));
            foreach (var (name, keep) in ranked) kept[(step, name)] = keep;
        }
        string? Node(string[] path, int step) => kept[(step, path[step])] ? path[step] : null;
        var sign = query.Before ? -1 : 1;
        var nodes = paths.SelectMany(p => Enumerable.Range(0, p.Length).Select(step => (step, Node(p, step))))
            .GroupBy(x => x).Select(g => new FlowNode(sign * g.Key.step, g.Key.Item2, g.Count())).ToList();
        var links = paths.SelectMany(p => Enumerable.Range(0, p.Length - 1).Select(step => (step, Node(p, step), Node(p, step + 1))))
            .GroupBy(x => x).Select(g => new FlowLink(sign * g.Key.step, g.Key.Item2, g.Key.Item3, g.Count())).ToList();
        return (nodes, links);
    }

    private static int Periods(Interval unit, DateTime from, DateTime to) => unit switch
    {
        Interval.Week => (int)Math.Floor((to - from).TotalDays / 7),
        Interval.Month => ((to.Year - from.Year) * 12) + to.Month - from.Month,
        _ => (int)Math.Floor((to - from).TotalDays),
    };

    // A breakdown's text: a property's, or whether the event's person is in the cohort.
    private string? Text(ReferenceEvent e, PropertyRef property) => property.CohortId is not { } id ? e.Text(property)
        : Matches(e, new PropertyFilter(new("$cohort"), FilterOperator.InCohort, [], [], id)) ? PropertyRef.InCohort : PropertyRef.NotInCohort;

    private bool IsStep(ReferenceEvent e, FunnelStep step) => e.Stored.Name == step.Event && step.Filters.All(f => Matches(e, f));

    /// <summary>Maps each breakdown combination to itself when among the top <paramref name="limit"/> by count (ties by value, unset first), else to "other".</summary>
    private static Func<T, (StringList Key, bool Other)> TopKeys<T>(List<T> events, Func<T, string?[]> key, int limit)
    {
        var ranked = events.GroupBy(e => new StringList(key(e)))
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringList.Comparer)
            .Select((g, i) => (g.Key, Rank: i + 1)).ToDictionary(x => x.Key, x => x.Rank);
        return e =>
        {
            var k = new StringList(key(e));
            return ranked[k] <= limit ? (k, false) : (new StringList([]), true);
        };
    }

    /// <summary>Continuous percentile with linear interpolation between closest ranks (DuckDB's quantile_cont).</summary>
    public static double Percentile(List<double> values, double fraction)
    {
        values.Sort();
        var position = (values.Count - 1) * fraction;
        var lo = (int)Math.Floor(position);
        var hi = (int)Math.Ceiling(position);
        return values[lo] + ((values[hi] - values[lo]) * (position - lo));
    }

    /// <summary>The persons of a cohort among the events of <paramref name="projectId"/>.</summary>
    public HashSet<Guid> CohortMembers(int projectId, CohortDefinition definition)
    {
        var now = nowUtc ?? DateTime.UtcNow;
        var members = new HashSet<Guid>();
        foreach (var person in _events.Where(e => e.Stored.ProjectId == projectId && e.Person is not null).GroupBy(e => e.Person!.Value))
        {
            var all = definition.Criteria.All(c =>
            {
                if (c.Profile is { } profile) return Matches(person.First(), profile);
                if (c.Funnel is { } funnel)
                {
                    var range = TimeZones.Resolve(funnel.Range, funnel.TimeZone ?? "UTC", now);
                    return FunnelPaths(projectId, funnel, range).Any(p => p.Entry.Person == person.Key && p.Steps[c.DroppedAt - 1] is not null && p.Steps[c.DroppedAt] is null);
                }
                var count = person.Count(e => e.Stored.Name == c.Event && c.Filters.All(f => Matches(e, f)) && e.Time <= now
                    && (c.WithinDays is not { } days || e.Time >= now.AddDays(-days)));
                return c.DidNot ? count == 0 : count >= c.MinCount;
            });
            if (all) members.Add(person.Key);
        }
        return members;
    }

    internal bool Matches(ReferenceEvent e, PropertyFilter filter)
    {
        if (filter.IsCohort)
        {
            var id = filter.CohortId!.Value;
            if (!_members.TryGetValue(id, out var members))
            {
                var definition = cohorts!(id)!;
                // A static cohort is its snapshot, each stored person resolved again through the identity map.
                _members[id] = members = definition.Static
                    ? data.Snapshots.GetValueOrDefault(id, new HashSet<Guid>()).Select(p => data.IdentityMap.GetValueOrDefault(p, p)).ToHashSet()
                    : CohortMembers(e.Stored.ProjectId, definition);
            }
            var inside = e.Person is { } p && members.Contains(p);
            return filter.Operator == FilterOperator.InCohort ? inside : !inside;
        }
        if (filter.IsNumeric)
        {
            if (e.Number(filter.Property) is not { } x) return false;
            var a = filter.Numbers[0];
            return filter.Operator switch
            {
                FilterOperator.GreaterThan => x > a,
                FilterOperator.GreaterOrEqual => x >= a,
                FilterOperator.LessThan => x < a,
                FilterOperator.LessOrEqual => x <= a,
                _ => x >= a && x <= filter.Numbers[1],
            };
        }
        var text = e.Text(filter.Property);
        return filter.Operator switch
        {
            FilterOperator.IsSet => text is not null,
            FilterOperator.IsNotSet => text is null,
            FilterOperator.Equals => text is not null && filter.Values.Contains(text),
            FilterOperator.NotEquals => text is not null && !filter.Values.Contains(text),
            FilterOperator.Contains => text is not null && filter.Values.Any(v => text.ToLowerInvariant().Contains(v.ToLowerInvariant(), StringComparison.Ordinal)),
            FilterOperator.NotContains => text is not null && !filter.Values.Any(v => text.ToLowerInvariant().Contains(v.ToLowerInvariant(), StringComparison.Ordinal)),
            FilterOperator.Regex => text is not null && filter.Values.Any(v => Regex.IsMatch(text, v, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))),
            FilterOperator.NotRegex => text is not null && !filter.Values.Any(v => Regex.IsMatch(text, v, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))),
            _ => throw new NotSupportedException(filter.Operator.ToString()),
        };
    }
}
