using System.Globalization;
using System.Text;
using Veil.Query.Model;
using Veil.Query.Results;

namespace Veil.Query.Sql;

/// <summary>
/// Plans an insights series as one aggregate query: the events in range with their person, bucket and breakdown
/// values; the top breakdown combinations by event count (the rest mapped to "other"); the measure per cell.
/// Result columns: bucket, other (0/1), one column per breakdown, value, persons.
/// </summary>
public sealed class InsightsPlanner(SqlDialect dialect, CohortContext? cohorts = null)
{
    /// <summary>The statement for series <paramref name="seriesIndex"/> of <paramref name="query"/>.</summary>
    public SqlStatement Plan(int projectId, InsightsQuery query, int seriesIndex, ResolvedRange range, bool countPersons = true)
    {
        var series = query.Series[seriesIndex];
        var parameters = new SqlParameters();
        var events = new EventSql(dialect, parameters, projectId, cohorts);
        var zone = dialect.StringLiteral(range.TimeZoneId);
        var bucket = query.Interval == Interval.Total
            ? dialect.NullTimestamp
            : dialect.Truncate(query.Interval, range.TimeZoneId == "UTC" ? "e.time" : dialect.LocalTime("e.time", zone));
        var breakdowns = query.Breakdowns.Select(events.Text).ToList();
        var number = series.Measure.Kind switch
        {
            MeasureKind.Sum or MeasureKind.Average or MeasureKind.Min or MeasureKind.Max or MeasureKind.Percentile => events.Number(series.Measure.Property!),
            // For unique groups `num` holds the list of the event's group ids.
            MeasureKind.UniqueGroups => events.GroupIds(series.Measure.Property!),
            _ => "NULL",
        };
        var from = parameters.Add(range.FromUtc);
        var to = parameters.Add(range.ToUtc);
        var where = new StringBuilder($"e.project_id = {events.Project} AND e.time >= {from} AND e.time < {to}");
        if (series.Event is not null) where.Append($" AND e.event = {parameters.Add(series.Event)}");
        where.Append(" AND ").Append(events.Filters(series.Filters)).Append(" AND ").Append(events.Filters(query.Filters));

        var b = Enumerable.Range(0, breakdowns.Count).Select(i => "b" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var sql = new StringBuilder("WITH base AS (\n  SELECT ");
        sql.Append(bucket).Append(" AS bucket, ");
        for (var i = 0; i < breakdowns.Count; i++) sql.Append(breakdowns[i]).Append(" AS ").Append(b[i]).Append(", ");
        var m = series.Measure;
        var needsPerson = countPersons || m.Kind is MeasureKind.UniquePersons or MeasureKind.PerPersonAverage or MeasureKind.PerPersonPercentile;
        sql.Append(needsPerson ? events.PersonColumn() : "CAST(NULL AS UUID)").Append(" AS person, e.session_id AS session, ").Append(number).Append(" AS num\n  ");
        sql.Append(events.From()).Append("  WHERE ").Append(where).Append("\n)");
        if (b.Count > 0)
        {
            var limit = parameters.Add(query.Limit);
            var order = string.Join(", ", b.Select(x => x + " ASC NULLS FIRST"));
            sql.Append($",\nranked AS (SELECT {string.Join(", ", b)}, row_number() OVER (ORDER BY count(*) DESC, {order}) AS rank FROM base GROUP BY {string.Join(", ", b)})");
            sql.Append($",\nkeyed AS (SELECT base.bucket, base.person, base.session, base.num, CASE WHEN r.rank <= {limit} THEN 0 ELSE 1 END AS other");
            foreach (var x in b) sql.Append($", CASE WHEN r.rank <= {limit} THEN base.{x} END AS {x}");
            sql.Append(" FROM base JOIN ranked r ON ").Append(string.Join(" AND ", b.Select(x => $"base.{x} IS NOT DISTINCT FROM r.{x}"))).Append(')');
        }
        else
        {
            sql.Append(",\nkeyed AS (SELECT bucket, person, session, num, 0 AS other FROM base)");
        }
        var keys = string.Join("", b.Select(x => ", " + x));
        var persons = countPersons ? "count(DISTINCT person)" : "CAST(NULL AS BIGINT)";
        if (m.Kind is MeasureKind.PerPersonAverage or MeasureKind.PerPersonPercentile)
        {
            sql.Append($",\nper_person AS (SELECT bucket, other{keys}, person, count(*) AS c FROM keyed WHERE person IS NOT NULL GROUP BY bucket, other{keys}, person)");
            var aggregate = m.Kind == MeasureKind.PerPersonAverage ? "avg(c)" : dialect.Percentile("c", parameters.Add(m.Percentile / 100));
            sql.Append($"\nSELECT bucket, other{keys}, {aggregate} AS value, count(*) AS persons FROM per_person GROUP BY bucket, other{keys}");
        }
        else
        {
            var aggregate = m.Kind switch
            {
                MeasureKind.Total => "count(*)",
                MeasureKind.UniquePersons => "count(DISTINCT person)",
                MeasureKind.Sessions => "count(DISTINCT session)",
                MeasureKind.Sum => "sum(num)",
                MeasureKind.Average => "avg(num)",
                MeasureKind.Min => "min(num)",
                MeasureKind.Max => "max(num)",
                MeasureKind.Percentile => dialect.Percentile("num", parameters.Add(m.Percentile / 100)),
                MeasureKind.UniqueGroups => dialect.CountDistinctInLists("num"),
                _ => throw new QueryValidationException($"Measure {m.Kind} is not supported yet."),
            };
            sql.Append($"\nSELECT bucket, other{keys}, {aggregate} AS value, {persons} AS persons FROM keyed GROUP BY bucket, other{keys}");
        }
        return parameters.Build(sql.ToString());
    }

    /// <summary>Cells from the rows of <see cref="Plan"/>'s statement.</summary>
    public static List<InsightsCell> Read(int seriesIndex, int breakdowns, IEnumerable<object?[]> rows)
    {
        var cells = new List<InsightsCell>();
        foreach (var row in rows)
        {
            var other = Convert.ToInt32(row[1], CultureInfo.InvariantCulture) == 1;
            var values = new string?[other ? 0 : breakdowns];
            for (var i = 0; i < values.Length; i++) values[i] = row[2 + i] as string;
            var value = row[2 + breakdowns] is null ? (double?)null : Convert.ToDouble(row[2 + breakdowns], CultureInfo.InvariantCulture);
            cells.Add(new InsightsCell(seriesIndex, row[0] is DateTime d ? d : null, values, other, value)
            {
                Persons = row[3 + breakdowns] is null ? null : Convert.ToInt64(row[3 + breakdowns], CultureInfo.InvariantCulture),
            });
        }
        return cells;
    }
}
