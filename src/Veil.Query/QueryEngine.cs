using Veil.Query.Model;
using Veil.Query.Results;
using Veil.Query.Sql;

namespace Veil.Query;

/// <summary>
/// Runs reports against a store: plans SQL in the store's dialect, runs it through <c>run</c> (rows are aggregated in
/// the store, never the events), and applies the caller's threshold before the answer leaves.
/// </summary>
public sealed class QueryEngine(
    SqlDialect dialect,
    Func<SqlStatement, CancellationToken, IEnumerable<object?[]>> run,
    TimeProvider? time = null,
    Func<int, long, CohortDefinition?>? cohorts = null)
{
    /// <summary>Most buckets an insights report may have (7 days by minute).</summary>
    public const int MaxBuckets = 10_080;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// The persons of a cohort right now: their count (the members never leave the store). A static cohort with its
    /// <paramref name="cohortId"/> counts its snapshot.
    /// </summary>
    public long CountCohort(int projectId, CohortDefinition definition, CancellationToken cancellationToken = default, long? cohortId = null)
    {
        var parameters = new SqlParameters();
        var events = new EventSql(dialect, parameters, projectId, Cohorts(projectId), insideCohort: true);
        var members = definition.Static && cohortId is { } id ? events.SnapshotMembers(id) : events.CohortMembers(definition, _time.GetUtcNow().UtcDateTime);
        foreach (var row in run(parameters.Build($"SELECT count(*) FROM ({members})"), cancellationToken))
        {
            return Convert.ToInt64(row[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>The statement selecting a cohort's persons now (one UUID column), for a static cohort's snapshot.</summary>
    public SqlStatement CohortMembers(int projectId, CohortDefinition definition)
    {
        var parameters = new SqlParameters();
        var members = new EventSql(dialect, parameters, projectId, Cohorts(projectId), insideCohort: true).CohortMembers(definition with { Static = false }, _time.GetUtcNow().UtcDateTime);
        return parameters.Build(members);
    }

    private CohortContext Cohorts(int projectId) =>
        new(id => cohorts?.Invoke(projectId, id), _time.GetUtcNow().UtcDateTime);

    /// <summary>Resolves a query's date range in its own time zone, else the project's.</summary>
    public ResolvedRange Resolve(DateRange range, string? queryZone, string projectZone) =>
        TimeZones.Resolve(range, queryZone ?? projectZone, _time.GetUtcNow().UtcDateTime);

    public InsightsReport Insights(int projectId, InsightsQuery query, string projectZone, QueryOptions options, CancellationToken cancellationToken = default)
    {
        var range = Resolve(query.Range, query.TimeZone, projectZone);
        var buckets = ReportJson.Buckets(range, query.Interval).Count;
        if (buckets > MaxBuckets) throw new QueryValidationException($"The report would have {buckets} time buckets (at most {MaxBuckets}): choose a coarser interval or a shorter range.");
        var planner = new InsightsPlanner(dialect, Cohorts(projectId));
        var cells = new List<InsightsCell>();
        for (var s = 0; s < query.Series.Count; s++)
        {
            cells.AddRange(InsightsPlanner.Read(s, query.Breakdowns.Count, run(planner.Plan(projectId, query, s, range, countPersons: options.MinimumPersons is not null), cancellationToken)));
        }
        return new InsightsReport(query, range, Threshold(cells, options));
    }

    public FunnelReport Funnel(int projectId, FunnelQuery query, string projectZone, QueryOptions options, CancellationToken cancellationToken = default)
    {
        var range = Resolve(query.Range, query.TimeZone, projectZone);
        var rows = FunnelPlanner.Read(query.Steps.Count, run(new FunnelPlanner(dialect, Cohorts(projectId)).Plan(projectId, query, range), cancellationToken));
        return new FunnelReport(query, range, Threshold(rows, options));
    }

    public RetentionReport Retention(int projectId, RetentionQuery query, string projectZone, QueryOptions options, CancellationToken cancellationToken = default)
    {
        var range = Resolve(query.Range, query.TimeZone, projectZone);
        var rows = RetentionPlanner.Read(query, run(new RetentionPlanner(dialect, Cohorts(projectId)).Plan(projectId, query, range), cancellationToken));
        return new RetentionReport(query, range, Threshold(rows, options));
    }

    public FlowsReport Flows(int projectId, FlowsQuery query, string projectZone, QueryOptions options, CancellationToken cancellationToken = default)
    {
        var range = Resolve(query.Range, query.TimeZone, projectZone);
        var (nodes, links) = FlowsPlanner.Read(query, run(new FlowsPlanner(dialect, Cohorts(projectId)).Plan(projectId, query, range), cancellationToken));
        if (options.MinimumPersons is { } k && k > 1)
        {
            nodes = nodes.Select(n => n.Persons < k ? n with { Persons = 0, Suppressed = true } : n).ToList();
            links = links.Select(l => l.Persons < k ? l with { Persons = 0, Suppressed = true } : l).ToList();
        }
        return new FlowsReport(query, range, nodes, links);
    }

    /// <summary>Hides every retention count (cohort size or retained persons) under k.</summary>
    public static List<RetentionRow> Threshold(List<RetentionRow> rows, QueryOptions options)
    {
        if (options.MinimumPersons is not { } k || k <= 1) return rows;
        return rows.Select(r =>
        {
            var hidden = r.Counts.Select(c => c < k).ToArray();
            return hidden.Any(h => h) ? r with { Counts = r.Counts.Select((c, i) => hidden[i] ? 0 : c).ToArray(), Suppressed = hidden } : r;
        }).ToList();
    }

    /// <summary>Hides every cell counting fewer than k distinct persons (k from the caller's role, not the query).</summary>
    public static List<InsightsCell> Threshold(List<InsightsCell> cells, QueryOptions options)
    {
        if (options.MinimumPersons is not { } k || k <= 1) return cells;
        return cells.Select(c => c.Persons < k ? c with { Value = null, Suppressed = true } : c).ToList();
    }

    /// <summary>Hides every funnel step count (and its median) reached by fewer than k persons.</summary>
    public static List<FunnelRow> Threshold(List<FunnelRow> rows, QueryOptions options)
    {
        if (options.MinimumPersons is not { } k || k <= 1) return rows;
        return rows.Select(r =>
        {
            var hidden = r.Counts.Select(c => c < k).ToArray();
            if (!hidden.Any(h => h)) return r;
            return r with
            {
                Counts = r.Counts.Select((c, i) => hidden[i] ? 0 : c).ToArray(),
                MedianSeconds = r.MedianSeconds.Select((m, i) => hidden[i] ? null : m).ToArray(),
                TimeToConvert = r.TimeToConvert.Select(c => c < k ? 0 : c).ToArray(),
                Suppressed = hidden,
            };
        }).ToList();
    }
}
