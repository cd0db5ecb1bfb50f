using System.Globalization;
using Veil.Query.Results;

namespace Veil.Query.Tests;

/// <summary>Compares engine and reference answers: counts exactly, floating values to 1e-9 relative (summation order differs).</summary>
internal static class Results
{
    public static string Describe(IEnumerable<InsightsCell> cells) => string.Join("\n", cells
        .Select(c => $"s{c.Series} {c.Bucket?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-"} {(c.Other ? "<other>" : string.Join("|", c.Breakdown.Select(b => b ?? "<null>")))} = {Number(c.Value)} ({c.Persons})")
        .Order(StringComparer.Ordinal));

    public static void Equal(List<InsightsCell> expected, List<InsightsCell> actual, string context)
    {
        var e = Describe(expected);
        var a = Describe(actual);
        if (e != a) Assert.Fail($"{context}\nreference:\n{e}\nengine:\n{a}");
    }

    public static string Describe(IEnumerable<FunnelRow> rows) => string.Join("\n", rows
        .Select(r => $"{(r.Breakdown is null ? "<all>" : r.Other ? "<other>" : string.Join("|", r.Breakdown.Select(b => b ?? "<null>")))}: "
            + string.Join(" ", r.Counts) + " / " + string.Join(" ", r.MedianSeconds.Select(Number)) + " / " + string.Join(" ", r.TimeToConvert))
        .Order(StringComparer.Ordinal));

    public static void Equal(List<FunnelRow> expected, List<FunnelRow> actual, string context)
    {
        var e = Describe(expected);
        var a = Describe(actual);
        if (e != a) Assert.Fail($"{context}\nreference:\n{e}\nengine:\n{a}");
    }

    public static string Describe(IEnumerable<RetentionRow> rows) => string.Join("\n", rows
        .Select(r => $"{(r.Breakdown is null ? "<all>" : r.Other ? "<other>" : string.Join("|", r.Breakdown.Select(b => b ?? "<null>")))} "
            + $"{r.Cohort?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "<all cohorts>"}: " + string.Join(" ", r.Counts))
        .Order(StringComparer.Ordinal));

    public static void Equal(List<RetentionRow> expected, List<RetentionRow> actual, string context)
    {
        var e = Describe(expected);
        var a = Describe(actual);
        if (e != a) Assert.Fail($"{context}\nreference:\n{e}\nengine:\n{a}");
    }

    public static void Equal(List<FlowNode> nodes, List<FlowLink> links, List<FlowNode> actualNodes, List<FlowLink> actualLinks, string context)
    {
        static string D(IEnumerable<FlowNode> n, IEnumerable<FlowLink> l) =>
            string.Join("\n", n.Select(x => $"node {x.Step} {x.Event ?? "<other>"} = {x.Persons}")
                .Concat(l.Select(x => $"link {x.Step} {x.From ?? "<other>"} -> {x.To ?? "<other>"} = {x.Persons}")).Order(StringComparer.Ordinal));
        var e = D(nodes, links);
        var a = D(actualNodes, actualLinks);
        if (e != a) Assert.Fail($"{context}\nreference:\n{e}\nengine:\n{a}");
    }

    // Rounded to 9 significant digits: exact for counts, tolerant of summation order for sums and averages.
    private static string Number(double? value) => value is { } v ? v.ToString("G9", CultureInfo.InvariantCulture) : "null";
}
