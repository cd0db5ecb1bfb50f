using System.Globalization;
using System.Text;
using Veil.Query.Model;
using Veil.Query.Results;

namespace Veil.Query.Sql;

/// <summary>
/// Plans a retention report as one query: births per person (first ever, or per bucket), return hits as (person, cohort,
/// period), then per cohort and breakdown the cohort size and persons retained per period.
/// Result columns: grouping (1 = all cohorts), other, breakdown, cohort, size, one count per period.
/// </summary>
public sealed class RetentionPlanner(SqlDialect dialect, CohortContext? cohorts = null)
{
    public SqlStatement Plan(int projectId, RetentionQuery query, ResolvedRange range)
    {
        var parameters = new SqlParameters();
        var events = new EventSql(dialect, parameters, projectId, cohorts);
        var zone = dialect.StringLiteral(range.TimeZoneId);
        var bucket = dialect.Truncate(query.Unit, range.TimeZoneId == "UTC" ? "e.time" : dialect.LocalTime("e.time", zone));
        var born = $"(e.event = {parameters.Add(query.Born.Event)} AND {events.Filters(query.Born.Filters)})";
        var returned = $"(e.event = {parameters.Add(query.Return.Event)} AND {events.Filters(query.Return.Filters)})";
        var breakdown = query.Breakdown is null ? "CAST(NULL AS VARCHAR)" : events.Text(query.Breakdown);
        var globalFilters = events.Filters(query.Filters);
        var from = parameters.Add(range.FromUtc);
        var to = parameters.Add(range.ToUtc);
        var hasBreakdown = query.Breakdown is not null;
        // Only births before the range's end matter (a first birth later is outside the range anyway), and in bounded
        // mode only returns up to `periods` buckets after it: the rest of the table is skipped by the time filter.
        var bornWhen = query.FirstTime ? $"e.time < {to}" : $"e.time >= {from} AND e.time < {to}";
        var returnWhen = $"e.time >= {from}";
        if (!query.Unbounded && ReturnBound(range.ToUtc, query.Unit, query.Periods) is { } bound) returnWhen += $" AND e.time < {parameters.Add(bound)}";
        // The insert id breaks ties between births at the same instant; it matters only for the breakdown value read on
        // the first birth (the bucket is the same), so it is read only then.
        var sql = new StringBuilder("WITH ev AS (\n  SELECT ").Append(events.PersonColumn()).Append(" AS person, e.time AS t, ");
        if (hasBreakdown) sql.Append($"e.insert_id AS id, {breakdown} AS b, ");
        var bornFlag = $"({born} AND {bornWhen})";
        var returnFlag = $"({returned} AND {returnWhen})";
        sql.Append($"{bornFlag} AS born, {returnFlag} AS ret, {bucket} AS bucket\n  ");
        sql.Append(events.From());
        sql.Append($"  WHERE e.project_id = {events.Project} AND e.distinct_id IS NOT NULL AND {globalFilters} AND ({bornFlag} OR {returnFlag})\n)");
        if (query.FirstTime)
        {
            // A bucket start never decreases with time, so the first birth's bucket is the earliest bucket.
            sql.Append(hasBreakdown
                ? $",\nbirths AS (SELECT person, t, bucket AS cohort, b FROM ({FirstEvents.Select(dialect, "ev", "born", ["b", "bucket"])}))"
                : ",\nbirths AS (SELECT person, min(t) AS t, min(bucket) AS cohort, CAST(NULL AS VARCHAR) AS b FROM ev WHERE born GROUP BY person)");
            sql.Append($",\ncohorts AS (SELECT person, cohort, b FROM births WHERE t >= {from} AND t < {to})");
        }
        else
        {
            sql.Append(hasBreakdown
                ? $",\ncohorts AS (SELECT person, bucket AS cohort, {dialect.Field("k", "b")} AS b FROM (SELECT person, bucket, {dialect.MinTuple([("t", "t"), ("id", "id"), ("b", "b")])} AS k FROM ev WHERE born GROUP BY person, bucket))"
                : ",\ncohorts AS (SELECT DISTINCT person, bucket AS cohort, CAST(NULL AS VARCHAR) AS b FROM ev WHERE born)");
        }
        var period = dialect.BucketsBetween(query.Unit, "c.cohort", "r.bucket");
        var periods = parameters.Add(query.Periods);
        sql.Append($",\nhits AS (SELECT DISTINCT c.person, c.cohort, {period} AS period FROM cohorts c JOIN ev r ON r.person = c.person AND r.ret AND r.bucket > c.cohort");
        sql.Append(query.Unbounded ? ")" : $" WHERE {period} <= {periods})");
        if (query.Breakdown is null)
        {
            sql.Append(",\nkeyed AS (SELECT person, cohort, 0 AS other, CAST(NULL AS VARCHAR) AS bk FROM cohorts)");
        }
        else
        {
            var limit = parameters.Add(query.Limit);
            sql.Append(",\nranked AS (SELECT b, row_number() OVER (ORDER BY count(*) DESC, b ASC NULLS FIRST) AS rank FROM cohorts GROUP BY b)");
            sql.Append($",\nkeyed AS (SELECT c.person, c.cohort, CASE WHEN r.rank <= {limit} THEN 0 ELSE 1 END AS other, CASE WHEN r.rank <= {limit} THEN c.b END AS bk FROM cohorts c JOIN ranked r ON c.b IS NOT DISTINCT FROM r.b)");
        }
        sql.Append(",\nper AS (SELECT k.person, k.cohort, k.other, k.bk");
        for (var i = 1; i <= query.Periods; i++)
        {
            var p = i.ToString(CultureInfo.InvariantCulture);
            sql.Append(query.Unbounded
                ? $", coalesce(max(h.period), 0) >= {p} AS r{p}"
                : $", coalesce(bool_or(h.period = {p}), false) AS r{p}");
        }
        sql.Append(" FROM keyed k LEFT JOIN hits h ON h.person = k.person AND h.cohort = k.cohort GROUP BY k.person, k.cohort, k.other, k.bk)");
        sql.Append("\nSELECT GROUPING(cohort) AS g, other, bk, cohort, count(*) AS size");
        for (var i = 1; i <= query.Periods; i++) sql.Append($", count(*) FILTER (WHERE r{i.ToString(CultureInfo.InvariantCulture)})");
        sql.Append(" FROM per GROUP BY GROUPING SETS ((other, bk, cohort), (other, bk))");
        return parameters.Build(sql.ToString());
    }

    // An instant after which no return can fall within `periods` buckets of a cohort in the range: the cohort's bucket
    // starts before the range's end, a bucket is at most 31 days, and two days cover any change of UTC offset between.
    private static DateTime? ReturnBound(DateTime toUtc, Interval unit, int periods)
    {
        var days = (periods + 1) * (unit switch { Interval.Month => 31, Interval.Week => 7, _ => 1 }) + 2;
        return toUtc < DateTime.MaxValue.AddDays(-days) ? toUtc.AddDays(days) : null;
    }

    /// <summary>Rows from <see cref="Plan"/>'s statement.</summary>
    public static List<RetentionRow> Read(RetentionQuery query, IEnumerable<object?[]> rows)
    {
        var result = new List<RetentionRow>();
        foreach (var row in rows)
        {
            var counts = new long[query.Periods + 1];
            for (var i = 0; i <= query.Periods; i++) counts[i] = Convert.ToInt64(row[4 + i], CultureInfo.InvariantCulture);
            var other = Convert.ToInt32(row[1], CultureInfo.InvariantCulture) == 1;
            IReadOnlyList<string?>? breakdown = query.Breakdown is null ? null : other ? [] : [row[2] as string];
            result.Add(new RetentionRow(breakdown, other, row[3] as DateTime?, counts));
        }
        return result;
    }
}
