using System.Globalization;
using System.Text;
using Veil.Query.Model;
using Veil.Query.Results;

namespace Veil.Query.Sql;

/// <summary>
/// Plans a flows report as one query: each person's anchor, their next (or previous) events numbered by
/// <c>row_number()</c>, events ranked per step (the rest as "other" = NULL), then node and link counts.
/// Result columns: kind ('n' node or 'l' link), step, source, target, persons.
/// </summary>
public sealed class FlowsPlanner(SqlDialect dialect, CohortContext? cohorts = null)
{
    public SqlStatement Plan(int projectId, FlowsQuery query, ResolvedRange range)
    {
        var parameters = new SqlParameters();
        var events = new EventSql(dialect, parameters, projectId, cohorts);
        var anchorName = parameters.Add(query.Anchor.Event);
        var anchor = $"(e.event = {anchorName} AND {events.Filters(query.Anchor.Filters)})";
        var globalFilters = events.Filters(query.Filters);
        var from = parameters.Add(range.FromUtc);
        var to = parameters.Add(range.ToUtc);
        var lower = parameters.Add(query.Before ? range.FromUtc.AddSeconds(-query.WindowSeconds) : range.FromUtc);
        var upper = parameters.Add(query.Before ? range.ToUtc : range.ToUtc.AddSeconds(query.WindowSeconds));
        var window = parameters.Add(query.WindowSeconds);
        var steps = parameters.Add(query.Steps);
        var limit = parameters.Add(query.Limit);
        var sql = new StringBuilder("WITH ev AS (\n  SELECT ").Append(events.PersonColumn()).Append(" AS person, e.time AS t, e.insert_id AS id, e.event AS event, ");
        sql.Append(anchor).Append(" AS anchor\n  ").Append(events.From());
        sql.Append($"  WHERE e.project_id = {events.Project} AND e.distinct_id IS NOT NULL AND e.time >= {lower} AND e.time < {upper} AND {globalFilters}\n)");
        sql.Append($",\na AS (SELECT person, t AS at, id AS aid FROM ({FirstEvents.Select(dialect, "ev", $"anchor AND t >= {from} AND t < {to}", [])}))");
        // The plain comparison with the anchor's time comes first so that DuckDB joins on it (a range join condition)
        // instead of joining the person's every event in the window and filtering after.
        var (side, bound, order) = query.Before
            ? ("e.t <= a.at AND (e.t < a.at OR e.id < a.aid)", $"e.t >= {dialect.AddSeconds("a.at", "-" + window)}", "e.t DESC, e.id DESC")
            : ("e.t >= a.at AND (e.t > a.at OR e.id > a.aid)", $"e.t <= {dialect.AddSeconds("a.at", window)}", "e.t, e.id");
        sql.Append($",\nnumbered AS (SELECT e.person, e.event, row_number() OVER (PARTITION BY e.person ORDER BY {order}) AS step FROM ev e JOIN a ON a.person = e.person WHERE {side} AND {bound})");
        sql.Append($",\nseq AS (SELECT person, {anchorName} AS event, 0 AS step FROM a UNION ALL SELECT person, event, step FROM numbered WHERE step <= {steps})");
        sql.Append(",\nranked AS (SELECT step, event, row_number() OVER (PARTITION BY step ORDER BY count(*) DESC, event) AS rank FROM seq GROUP BY step, event)");
        sql.Append($",\nkeyed AS (SELECT s.person, s.step, CASE WHEN r.rank <= {limit} THEN s.event END AS node FROM seq s JOIN ranked r ON r.step = s.step AND r.event = s.event)");
        sql.Append("\nSELECT 'n' AS kind, step, node AS source, CAST(NULL AS VARCHAR) AS target, count(*) AS persons FROM keyed GROUP BY step, node");
        sql.Append("\nUNION ALL SELECT 'l', k1.step, k1.node, k2.node, count(*) FROM keyed k1 JOIN keyed k2 ON k2.person = k1.person AND k2.step = k1.step + 1 GROUP BY k1.step, k1.node, k2.node");
        return parameters.Build(sql.ToString());
    }

    /// <summary>Nodes and links from <see cref="Plan"/>'s statement; steps are negative for flows before the anchor.</summary>
    public static (List<FlowNode> Nodes, List<FlowLink> Links) Read(FlowsQuery query, IEnumerable<object?[]> rows)
    {
        var sign = query.Before ? -1 : 1;
        var nodes = new List<FlowNode>();
        var links = new List<FlowLink>();
        foreach (var row in rows)
        {
            var step = sign * Convert.ToInt32(row[1], CultureInfo.InvariantCulture);
            var persons = Convert.ToInt64(row[4], CultureInfo.InvariantCulture);
            if ((string)row[0]! == "n") nodes.Add(new FlowNode(step, row[2] as string, persons));
            else links.Add(new FlowLink(step, row[2] as string, row[3] as string, persons));
        }
        return (nodes, links);
    }
}
