using System.Globalization;
using System.Text;
using Veil.Query.Model;
using Veil.Query.Results;

namespace Veil.Query.Sql;

/// <summary>
/// Plans a funnel as one query: step k is found by joining step k-1's match per person to the person's events that
/// match step k after it, keeping the earliest (time, insert id) within the window — greedy earliest matching, which is
/// optimal for ordered funnels. Exclusions remove persons; breakdown values are ranked by entries.
/// Result columns: grouping (3 = whole funnel), other, breakdown, count per step, median seconds per later step.
/// </summary>
public sealed class FunnelPlanner(SqlDialect dialect, CohortContext? cohorts = null)
{
    public SqlStatement Plan(int projectId, FunnelQuery query, ResolvedRange range)
    {
        var parameters = new SqlParameters();
        var sql = Chain(parameters, projectId, query, range, insideCohort: false);
        Measures(sql, parameters, query);
        return parameters.Build(sql.ToString());
    }

    /// <summary>
    /// The persons who reached step <paramref name="droppedAt"/> - 1 but not step <paramref name="droppedAt"/> (a funnel's
    /// drop-off as a cohort), as a subquery sharing <paramref name="parameters"/>.
    /// </summary>
    internal string DroppedPersons(SqlParameters parameters, int projectId, FunnelQuery query, ResolvedRange range, int droppedAt)
    {
        var sql = Chain(parameters, projectId, query, range, insideCohort: true);
        sql.Append($"\nSELECT person FROM kept WHERE t_{droppedAt - 1} IS NOT NULL AND t_{droppedAt} IS NULL");
        return sql.ToString();
    }

    // The CTEs up to `kept`: each person's entry and steps after exclusions.
    private StringBuilder Chain(SqlParameters parameters, int projectId, FunnelQuery query, ResolvedRange range, bool insideCohort)
    {
        var events = new EventSql(dialect, parameters, projectId, cohorts, insideCohort);
        var n = query.Steps.Count;
        var stepFlags = query.Steps.Select(s => $"(e.event = {parameters.Add(s.Event)} AND {events.Filters(s.Filters)})").ToList();
        var exclusionFlags = query.Exclusions.Select(x => $"(e.event = {parameters.Add(x.Event)} AND {events.Filters(x.Filters)})").ToList();
        var breakdown = query.Breakdown is null ? "CAST(NULL AS VARCHAR)" : events.Text(query.Breakdown);
        var held = query.HoldConstant is null ? "CAST(NULL AS VARCHAR)" : events.Text(query.HoldConstant);
        var from = parameters.Add(range.FromUtc);
        var to = parameters.Add(range.ToUtc);
        var end = parameters.Add(range.ToUtc.AddSeconds(query.WindowSeconds));
        var window = parameters.Add(query.WindowSeconds);

        var strict = query.Order == FunnelOrder.Strict;
        var any = query.Order == FunnelOrder.Any;
        var hasBreakdown = query.Breakdown is not null;
        var hasHold = query.HoldConstant is not null;
        var sql = new StringBuilder("WITH ev AS (\n  SELECT ").Append(events.PersonColumn()).Append(" AS person, e.time AS t, e.insert_id AS id");
        for (var k = 0; k < n; k++) sql.Append($", {stepFlags[k]} AS s{k}");
        for (var x = 0; x < exclusionFlags.Count; x++) sql.Append($", {exclusionFlags[x]} AS x{x}");
        // The breakdown and held values are read only when asked for: each column costs in every row of `ev`.
        if (hasBreakdown) sql.Append($", {breakdown} AS b");
        if (hasHold) sql.Append($", {held} AS h");
        // Strict order needs every event of the person (that passes the filters) to tell "the very next one".
        if (strict) sql.Append($", row_number() OVER (PARTITION BY {events.PersonColumn()} ORDER BY e.time, e.insert_id) AS rn");
        sql.Append("\n  ");
        var globalFilters = events.Filters(query.Filters);
        sql.Append(events.From());
        sql.Append($"  WHERE e.project_id = {events.Project} AND e.time >= {from} AND e.time < {end} AND e.distinct_id IS NOT NULL AND {globalFilters}");
        if (!strict) sql.Append(" AND (").Append(string.Join(" OR ", stepFlags.Concat(exclusionFlags))).Append(')');
        sql.Append("\n)");

        // What each step's row carries besides the person and its (t, id): the entry time (for the window), the entry's
        // insert id (any order compares with it) and the held value. The breakdown is read from f0 alone.
        var carried = new List<string> { "t0" };
        if (any) carried.Add("id0");
        if (hasHold) carried.Add("h");
        var carry = string.Concat(carried.Select(c => ", " + c));
        var carryF = string.Concat(carried.Select(c => ", f." + c));

        List<string> entryValues = [];
        if (hasBreakdown) entryValues.Add("b");
        if (hasHold) entryValues.Add("h");
        if (strict) entryValues.Add("rn");
        sql.Append($",\nf0 AS (SELECT person, t AS t0, id AS id0, t, id{string.Concat(entryValues.Select(v => ", " + v))} FROM ({FirstEvents.Select(dialect, "ev", $"s0 AND t >= {from} AND t < {to}", entryValues)}))");
        var next = dialect.MinTuple([("t", "e.t"), ("id", "e.id")]);
        var hold = hasHold ? " AND e.h IS NOT DISTINCT FROM f.h" : "";
        var inWindow = $"e.t <= {dialect.AddSeconds("f.t0", window)}";
        for (var k = 1; k < n; k++)
        {
            switch (query.Order)
            {
                case FunnelOrder.Strict:
                    sql.Append($",\nf{k} AS (SELECT f.person{carryF}, e.t, e.id, e.rn FROM f{k - 1} f JOIN ev e ON e.person = f.person AND e.rn = f.rn + 1");
                    sql.Append($" WHERE e.s{k} AND {inWindow}{hold})");
                    break;
                case FunnelOrder.Any:
                    // Each step takes its earliest event after the entry not used by an earlier-listed step (ut_j, uid_j);
                    // (t, id) is the latest event so far: when all steps up to k are done.
                    var used = string.Concat(Enumerable.Range(1, k - 1).Select(j => $", ut{j}, uid{j}"));
                    var usedF = string.Concat(Enumerable.Range(1, k - 1).Select(j => $", f.ut{j}, f.uid{j}"));
                    var notUsed = string.Concat(Enumerable.Range(1, k - 1).Select(j => $" AND NOT (e.t = f.ut{j} AND e.id = f.uid{j})"));
                    var later = $"(rt > {dialect.Field("k", "t")} OR (rt = {dialect.Field("k", "t")} AND rid > {dialect.Field("k", "id")}))";
                    sql.Append($",\nf{k} AS (SELECT person{carry}{used}, {dialect.Field("k", "t")} AS ut{k}, {dialect.Field("k", "id")} AS uid{k}");
                    sql.Append($", CASE WHEN {later} THEN rt ELSE {dialect.Field("k", "t")} END AS t, CASE WHEN {later} THEN rid ELSE {dialect.Field("k", "id")} END AS id");
                    sql.Append($" FROM (SELECT f.person{carryF}{usedF}, f.t AS rt, f.id AS rid, {next} AS k FROM f{k - 1} f JOIN ev e ON e.person = f.person");
                    sql.Append($" WHERE e.s{k} AND e.t >= f.t0 AND (e.t > f.t0 OR e.id > f.id0) AND {inWindow}{hold}{notUsed}");
                    sql.Append($" GROUP BY f.person{carryF}{usedF}, f.t, f.id))");
                    break;
                default:
                    var candidates = $"(SELECT f.person{carryF}, e.t, e.id FROM f{k - 1} f JOIN ev e ON e.person = f.person WHERE e.s{k} AND {After("e", "f")} AND {inWindow}{hold})";
                    sql.Append($",\nf{k} AS ({FirstEvents.Select(dialect, candidates, "TRUE", carried)})");
                    break;
            }
        }
        sql.Append($",\nchain AS (SELECT f0.person, {(hasBreakdown ? "f0.b" : "CAST(NULL AS VARCHAR) AS b")}, f0.t0, f0.t AS t_0, f0.id AS id_0");
        for (var k = 1; k < n; k++) sql.Append($", f{k}.t AS t_{k}, f{k}.id AS id_{k}");
        sql.Append(" FROM f0");
        for (var k = 1; k < n; k++) sql.Append($" LEFT JOIN f{k} ON f{k}.person = f0.person");
        sql.Append(')');
        sql.Append(",\nkept AS (SELECT * FROM chain c");
        if (query.Exclusions.Count > 0)
        {
            sql.Append(" WHERE NOT EXISTS (SELECT 1 FROM ev e WHERE e.person = c.person AND (");
            var clauses = new List<string>();
            for (var x = 0; x < query.Exclusions.Count; x++)
            {
                var (a, bStep) = (query.Exclusions[x].AfterStep, query.Exclusions[x].BeforeStep);
                clauses.Add($"(e.x{x} AND c.t_{a} IS NOT NULL AND (e.t > c.t_{a} OR (e.t = c.t_{a} AND e.id > c.id_{a}))"
                    + $" AND CASE WHEN c.t_{bStep} IS NULL THEN e.t <= {dialect.AddSeconds("c.t0", window)} ELSE (e.t < c.t_{bStep} OR (e.t = c.t_{bStep} AND e.id < c.id_{bStep})) END)");
            }
            sql.Append(string.Join(" OR ", clauses)).Append("))");
        }
        sql.Append(')');
        return sql;
    }

    private void Measures(StringBuilder sql, SqlParameters parameters, FunnelQuery query)
    {
        var n = query.Steps.Count;
        var measures = new StringBuilder("count(*) AS c0");
        for (var k = 1; k < n; k++) measures.Append($", count(t_{k}) AS c{k}");
        var half = parameters.Add(0.5);
        for (var k = 1; k < n; k++) measures.Append($", {dialect.Percentile(dialect.SecondsBetween("t0", $"t_{k}"), half)} AS m{k}");
        var seconds = dialect.SecondsBetween("t0", $"t_{n - 1}");
        long lowerBound = -1;
        foreach (var edge in FunnelRow.ConversionBuckets.Append(long.MaxValue))
        {
            var low = parameters.Add((double)lowerBound);
            measures.Append(edge == long.MaxValue
                ? $", count(*) FILTER (WHERE {seconds} >= {low})"
                : $", count(*) FILTER (WHERE {seconds} >= {low} AND {seconds} < {parameters.Add((double)edge)})");
            lowerBound = edge;
        }
        if (query.Breakdown is null)
        {
            sql.Append($"\nSELECT 3 AS g, 0 AS other, CAST(NULL AS VARCHAR) AS bk, {measures} FROM kept");
        }
        else
        {
            var limit = parameters.Add(query.Limit);
            sql.Append(",\nranked AS (SELECT b, row_number() OVER (ORDER BY count(*) DESC, b ASC NULLS FIRST) AS rank FROM kept GROUP BY b)");
            sql.Append($",\nkeyed AS (SELECT kept.*, CASE WHEN r.rank <= {limit} THEN 0 ELSE 1 END AS other, CASE WHEN r.rank <= {limit} THEN kept.b END AS bk FROM kept JOIN ranked r ON kept.b IS NOT DISTINCT FROM r.b)");
            sql.Append($"\nSELECT GROUPING(other, bk) AS g, other, bk, {measures} FROM keyed GROUP BY GROUPING SETS ((other, bk), ())");
        }
    }

    /// <summary>Rows from <see cref="Plan"/>'s statement: the whole funnel first, then breakdown rows as returned.</summary>
    public static List<FunnelRow> Read(int steps, IEnumerable<object?[]> rows)
    {
        FunnelRow? overall = null;
        var result = new List<FunnelRow>();
        foreach (var row in rows)
        {
            var counts = new long[steps];
            var medians = new double?[steps];
            for (var k = 0; k < steps; k++) counts[k] = Convert.ToInt64(row[3 + k], CultureInfo.InvariantCulture);
            for (var k = 1; k < steps; k++) medians[k] = row[2 + steps + k] is null ? null : Convert.ToDouble(row[2 + steps + k], CultureInfo.InvariantCulture);
            var histogram = new long[FunnelRow.ConversionBuckets.Count + 1];
            for (var i = 0; i < histogram.Length; i++) histogram[i] = Convert.ToInt64(row[2 + (2 * steps) + i], CultureInfo.InvariantCulture);
            if (Convert.ToInt32(row[0], CultureInfo.InvariantCulture) != 0)
            {
                overall = new FunnelRow(null, false, counts, medians) { TimeToConvert = histogram };
                continue;
            }
            var other = Convert.ToInt32(row[1], CultureInfo.InvariantCulture) == 1;
            result.Add(new FunnelRow(other ? [] : [row[2] as string], other, counts, medians) { TimeToConvert = histogram });
        }
        // An empty input still has a whole-funnel row of zeros.
        result.Insert(0, overall ?? new FunnelRow(null, false, new long[steps], new double?[steps]) { TimeToConvert = new long[FunnelRow.ConversionBuckets.Count + 1] });
        return result;
    }

    // (e.t, e.id) comes strictly after (f.t, f.id). The plain comparison first: DuckDB can join on it.
    private static string After(string e, string f) => $"{e}.t >= {f}.t AND ({e}.t > {f}.t OR {e}.id > {f}.id)";
}
