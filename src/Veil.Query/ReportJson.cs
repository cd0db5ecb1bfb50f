using System.Globalization;
using System.Text.Json;
using Veil.Query.Model;
using Veil.Query.Results;

namespace Veil.Query;

/// <summary>Writes reports as the JSON the API returns (docs/queries.md): series rows aligned to every bucket of the range.</summary>
public static class ReportJson
{
    /// <summary>Every bucket start (local time) of the range; one null bucket for <see cref="Interval.Total"/>.</summary>
    public static List<DateTime?> Buckets(ResolvedRange range, Interval interval)
    {
        if (interval == Interval.Total) return [null];
        var buckets = new List<DateTime?>();
        var end = range.LastDay.AddDays(1).ToDateTime(TimeOnly.MinValue);
        var step = interval switch
        {
            Interval.Minute => TimeSpan.FromMinutes(1),
            Interval.Hour => TimeSpan.FromHours(1),
            _ => TimeSpan.Zero,
        };
        for (var b = TimeZones.Truncate(range.FirstDay.ToDateTime(TimeOnly.MinValue), interval); b < end;)
        {
            buckets.Add(b);
            if (buckets.Count > QueryEngine.MaxBuckets) break;
            b = interval switch
            {
                Interval.Day => b.AddDays(1),
                Interval.Week => b.AddDays(7),
                Interval.Month => b.AddMonths(1),
                _ => b + step,
            };
        }
        return buckets;
    }

    public static void Write(Utf8JsonWriter writer, InsightsReport report)
    {
        var query = report.Query;
        var buckets = Buckets(report.Range, query.Interval);
        var index = buckets.Select((b, i) => (b, i)).ToDictionary(x => x.b ?? DateTime.MinValue, x => x.i);
        writer.WriteStartObject();
        writer.WriteString("report", "insights");
        WriteRange(writer, report.Range);
        writer.WriteString("interval", query.Interval.ToString().ToLowerInvariant());
        writer.WriteStartArray("buckets");
        foreach (var b in buckets)
        {
            if (b is { } d) writer.WriteStringValue(d.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
            else writer.WriteNullValue();
        }
        writer.WriteEndArray();
        // Rows per series keyed by breakdown, values aligned to buckets.
        var rows = new List<Dictionary<string, (InsightsCell First, double?[] Values, bool[] Hidden)>>();
        for (var s = 0; s < query.Series.Count; s++)
        {
            var zeroFill = query.Series[s].Measure.Kind is MeasureKind.Total or MeasureKind.UniquePersons or MeasureKind.Sessions or MeasureKind.UniqueGroups;
            var byKey = new Dictionary<string, (InsightsCell First, double?[] Values, bool[] Hidden)>(StringComparer.Ordinal);
            foreach (var cell in report.Cells.Where(c => c.Series == s).OrderBy(c => c.Other).ThenBy(c => Key(c), StringComparer.Ordinal))
            {
                var key = Key(cell);
                if (!byKey.TryGetValue(key, out var row))
                {
                    row = (cell, new double?[buckets.Count], new bool[buckets.Count]);
                    if (zeroFill) Array.Fill(row.Values, 0);
                    byKey[key] = row;
                }
                if (!index.TryGetValue(cell.Bucket ?? DateTime.MinValue, out var i)) continue;
                row.Values[i] = cell.Value;
                row.Hidden[i] = cell.Suppressed;
            }
            rows.Add(byKey);
        }
        writer.WriteStartArray("series");
        for (var s = 0; s < query.Series.Count; s++)
        {
            var series = query.Series[s];
            writer.WriteStartObject();
            writer.WriteString("name", ((char)('A' + s)).ToString());
            if (series.Event is null) writer.WriteNull("event");
            else writer.WriteString("event", series.Event);
            writer.WriteString("measure", MeasureName(series.Measure));
            if (series.Measure.Property is { } property) writer.WriteString("property", property.Name);
            WriteRows(writer, Ordered(rows[s].Values.Select(r => (r.First.Breakdown, r.First.Other, r.Values, r.Hidden))));
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        if (query.Formula is { } text)
        {
            var formula = Formula.Parse(text, query.Series.Count);
            var keys = rows.SelectMany(r => r.Keys).Distinct(StringComparer.Ordinal).ToList();
            var formulaRows = keys.Select(key =>
            {
                var first = rows.Select(r => r.TryGetValue(key, out var row) ? row.First : null).First(c => c is not null)!;
                var values = new double?[buckets.Count];
                var hidden = new bool[buckets.Count];
                for (var i = 0; i < buckets.Count; i++)
                {
                    hidden[i] = rows.Any(r => r.TryGetValue(key, out var row) && row.Hidden[i]);
                    values[i] = hidden[i] ? null : formula.Evaluate(s => rows[s].TryGetValue(key, out var row) ? row.Values[i] : ZeroOf(query.Series[s]));
                }
                return (first.Breakdown, first.Other, values, hidden);
            });
            writer.WriteStartObject("formula");
            writer.WriteString("expression", text);
            WriteRows(writer, Ordered(formulaRows));
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter writer, FunnelReport report)
    {
        writer.WriteStartObject();
        writer.WriteString("report", "funnel");
        WriteRange(writer, report.Range);
        writer.WriteNumber("windowSeconds", report.Query.WindowSeconds);
        writer.WriteStartArray("steps");
        foreach (var step in report.Query.Steps) writer.WriteStringValue(step.Event);
        writer.WriteEndArray();
        writer.WriteStartArray("rows");
        // The whole funnel, then breakdown values by entries (descending), "other" last.
        foreach (var row in report.Rows.OrderBy(r => r.Breakdown is null ? 0 : r.Other ? 2 : 1).ThenByDescending(r => r.Counts[0])
                     .ThenBy(r => r.Breakdown is null ? "" : string.Join("\u0000", r.Breakdown), StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            WriteBreakdown(writer, row.Breakdown, row.Other);
            writer.WriteStartArray("steps");
            for (var k = 0; k < row.Counts.Count; k++)
            {
                writer.WriteStartObject();
                writer.WriteString("event", report.Query.Steps[k].Event);
                var hidden = row.Suppressed?[k] == true;
                if (hidden)
                {
                    writer.WriteNull("count");
                    writer.WriteBoolean("suppressed", true);
                }
                else
                {
                    writer.WriteNumber("count", row.Counts[k]);
                    WriteRatio(writer, "conversion", row.Counts[k], row.Counts[0], row.Suppressed?[0] == true);
                    if (k > 0) WriteRatio(writer, "fromPrevious", row.Counts[k], row.Counts[k - 1], row.Suppressed?[k - 1] == true);
                }
                if (k > 0 && row.MedianSeconds[k] is { } median) writer.WriteNumber("medianSecondsToConvert", median);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The measure's name in the query model.</summary>
    public static string MeasureName(Measure measure) => measure.Kind switch
    {
        MeasureKind.Total => "total",
        MeasureKind.UniquePersons => "unique",
        MeasureKind.Sessions => "sessions",
        MeasureKind.PerPersonAverage => "perPersonAverage",
        MeasureKind.PerPersonPercentile => measure.Percentile == 50 ? "perPersonMedian" : "perPersonPercentile",
        MeasureKind.Sum => "sum",
        MeasureKind.Average => "average",
        MeasureKind.Min => "min",
        MeasureKind.Max => "max",
        MeasureKind.Percentile => measure.Percentile == 50 ? "median" : "percentile",
        MeasureKind.UniqueGroups => "uniqueGroups",
        _ => measure.Kind.ToString(),
    };

    // Rows by their sum over buckets (descending), "other" last.
    private static IEnumerable<(IReadOnlyList<string?> Breakdown, bool Other, double?[] Values, bool[] Hidden)> Ordered(
        IEnumerable<(IReadOnlyList<string?> Breakdown, bool Other, double?[] Values, bool[] Hidden)> rows) =>
        rows.OrderBy(r => r.Other).ThenByDescending(r => r.Values.Sum(v => v ?? 0))
            .ThenBy(r => string.Join("\u0000", r.Breakdown.Select(b => b ?? "")), StringComparer.Ordinal);

    public static void Write(Utf8JsonWriter writer, RetentionReport report)
    {
        var query = report.Query;
        writer.WriteStartObject();
        writer.WriteString("report", "retention");
        WriteRange(writer, report.Range);
        writer.WriteString("unit", query.Unit.ToString().ToLowerInvariant());
        writer.WriteString("mode", query.FirstTime ? "firstTime" : "recurring");
        writer.WriteBoolean("unbounded", query.Unbounded);
        writer.WriteStartArray("rows");
        // Per breakdown value (by size), all cohorts first, then cohorts in time order.
        var totals = report.Rows.Where(r => r.Cohort is null).ToDictionary(r => (r.Other, Key: r.Breakdown is null ? "" : string.Join("\u0000", r.Breakdown)), r => r.Counts[0]);
        foreach (var row in report.Rows
                     .OrderBy(r => r.Other)
                     .ThenByDescending(r => totals.GetValueOrDefault((r.Other, r.Breakdown is null ? "" : string.Join("\u0000", r.Breakdown))))
                     .ThenBy(r => r.Breakdown is null ? "" : string.Join("\u0000", r.Breakdown), StringComparer.Ordinal)
                     .ThenBy(r => r.Cohort ?? DateTime.MinValue))
        {
            writer.WriteStartObject();
            WriteBreakdown(writer, row.Breakdown, row.Other);
            if (row.Cohort is { } cohort) writer.WriteString("cohort", cohort.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
            else writer.WriteNull("cohort");
            var hidden = row.Suppressed ?? new bool[row.Counts.Count];
            if (hidden[0]) writer.WriteNull("size");
            else writer.WriteNumber("size", row.Counts[0]);
            writer.WriteStartArray("retained");
            for (var i = 1; i < row.Counts.Count; i++)
            {
                if (hidden[i]) writer.WriteNullValue();
                else writer.WriteNumberValue(row.Counts[i]);
            }
            writer.WriteEndArray();
            writer.WriteStartArray("rates");
            for (var i = 1; i < row.Counts.Count; i++)
            {
                if (hidden[i] || hidden[0] || row.Counts[0] == 0) writer.WriteNullValue();
                else writer.WriteNumberValue(Math.Round((double)row.Counts[i] / row.Counts[0], 6));
            }
            writer.WriteEndArray();
            if (hidden.Any(h => h))
            {
                writer.WriteStartArray("suppressed");
                foreach (var h in hidden) writer.WriteBooleanValue(h);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter writer, FlowsReport report)
    {
        writer.WriteStartObject();
        writer.WriteString("report", "flows");
        WriteRange(writer, report.Range);
        writer.WriteString("anchor", report.Query.Anchor.Event);
        writer.WriteString("direction", report.Query.Before ? "before" : "after");
        writer.WriteStartArray("nodes");
        foreach (var node in report.Nodes.OrderBy(n => Math.Abs(n.Step)).ThenBy(n => n.Event is null).ThenByDescending(n => n.Persons).ThenBy(n => n.Event, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("id", NodeId(node.Step, node.Event));
            writer.WriteNumber("step", node.Step);
            if (node.Event is null) writer.WriteBoolean("other", true);
            else writer.WriteString("event", node.Event);
            WriteCount(writer, node.Persons, node.Suppressed);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        var sign = report.Query.Before ? -1 : 1;
        writer.WriteStartArray("links");
        foreach (var link in report.Links.OrderBy(l => Math.Abs(l.Step)).ThenByDescending(l => l.Persons))
        {
            writer.WriteStartObject();
            writer.WriteString("source", NodeId(link.Step, link.From));
            writer.WriteString("target", NodeId(link.Step + sign, link.To));
            WriteCount(writer, link.Persons, link.Suppressed);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteCount(Utf8JsonWriter writer, long persons, bool suppressed)
    {
        if (suppressed)
        {
            writer.WriteNull("persons");
            writer.WriteBoolean("suppressed", true);
        }
        else
        {
            writer.WriteNumber("persons", persons);
        }
    }

    private static string NodeId(int step, string? name) => step.ToString(CultureInfo.InvariantCulture) + ":" + (name ?? "$other");

    private static void WriteRatio(Utf8JsonWriter writer, string name, long part, long whole, bool hidden)
    {
        if (hidden || whole == 0) writer.WriteNull(name);
        else writer.WriteNumber(name, Math.Round((double)part / whole, 6));
    }

    private static double? ZeroOf(InsightsSeries series) =>
        series.Measure.Kind is MeasureKind.Total or MeasureKind.UniquePersons or MeasureKind.Sessions ? 0 : null;

    private static void WriteRows(Utf8JsonWriter writer, IEnumerable<(IReadOnlyList<string?> Breakdown, bool Other, double?[] Values, bool[] Hidden)> rows)
    {
        writer.WriteStartArray("rows");
        foreach (var (breakdown, other, values, hidden) in rows)
        {
            writer.WriteStartObject();
            WriteBreakdown(writer, breakdown, other);
            writer.WriteStartArray("values");
            foreach (var v in values)
            {
                if (v is { } d) writer.WriteNumberValue(d);
                else writer.WriteNullValue();
            }
            writer.WriteEndArray();
            if (hidden.Any(h => h))
            {
                writer.WriteStartArray("suppressed");
                foreach (var h in hidden) writer.WriteBooleanValue(h);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void WriteBreakdown(Utf8JsonWriter writer, IReadOnlyList<string?>? breakdown, bool other)
    {
        if (other)
        {
            writer.WriteBoolean("other", true);
            return;
        }
        if (breakdown is null || breakdown.Count == 0) return;
        writer.WriteStartArray("breakdown");
        foreach (var b in breakdown)
        {
            if (b is null) writer.WriteNullValue();
            else writer.WriteStringValue(b);
        }
        writer.WriteEndArray();
    }

    private static void WriteRange(Utf8JsonWriter writer, ResolvedRange range)
    {
        writer.WriteString("timezone", range.TimeZoneId);
        writer.WriteString("from", range.FirstDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        writer.WriteString("to", range.LastDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }

    private static string Key(InsightsCell cell) =>
        cell.Other ? "\u0001other" : string.Join("\u0000", cell.Breakdown.Select(b => b is null ? "\u0002" : "=" + b));
}
