using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Veil.Load;

/// <summary><c>veil-load report</c>: merge run results into one file and print them as a Markdown table.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Argument<FileInfo[]>("runs") { Description = "Result JSON files of the load runs.", Arity = ArgumentArity.OneOrMore };
        var baseline = new Option<FileInfo?>("--baseline") { Description = "Result JSON of the baseline run." };
        var rss = new Option<FileInfo?>("--rss") { Description = "Server RSS samples, lines of \"<unix s> <KiB>\"." };
        var commandLine = new Option<string?>("--command") { Description = "The command that produced the results, recorded as is." };
        var catchUp = new Option<string[]>("--catch-up") { Description = "LABEL=SECONDS: how long the server stayed busy after a run (repeatable)." };
        var notes = new Option<string[]>("--note") { Description = "A line of context to keep with the results (repeatable)." };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the merged JSON.", Required = true };
        var command = new Command("report", "Merge results into one JSON file and print a Markdown table.") { runs, baseline, rss, commandLine, catchUp, notes, output };
        command.SetAction(async (parse, _) =>
        {
            var report = new IngestReport
            {
                GeneratedAt = DateTimeOffset.UtcNow,
                Command = parse.GetValue(commandLine),
                Notes = parse.GetValue(notes) is { Length: > 0 } n ? n : null,
                Machine = MachineInfo.Current(),
                ServerRss = parse.GetValue(rss) is { Exists: true } r ? RssSummary.Read(r.FullName) : null,
                Runs = parse.GetValue(runs)!.Select(Read).ToArray(),
                Baseline = parse.GetValue(baseline) is { } b ? Read(b) : null,
                CatchUpS = ParseCatchUp(parse.GetValue(catchUp)),
            };
            var file = parse.GetValue(output)!;
            file.Directory?.Create();
            await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(report, LoadJsonContext.Default.IngestReport) + "\n");
            Console.Write(Markdown(report));
            return 0;
        });
        return command;
    }

    private static Dictionary<string, double>? ParseCatchUp(string[]? values)
    {
        if (values is not { Length: > 0 }) return null;
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var at = value.LastIndexOf('=');
            if (at > 0 && double.TryParse(value[(at + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) result[value[..at]] = seconds;
        }
        return result;
    }

    private static LoadResult Read(FileInfo file) =>
        JsonSerializer.Deserialize(File.ReadAllText(file.FullName), LoadJsonContext.Default.LoadResult)
        ?? throw new InvalidDataException($"{file.Name} holds no result.");

    /// <summary>The table the README and the driver print.</summary>
    public static string Markdown(IngestReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| run | conns | batch | events acked | events/s | req/s | p50 ms | p99 ms | max ms | not OK | server CPU | catch-up s | vs baseline |");
        text.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        var baseline = report.Baseline?.EventsPerS;
        foreach (var r in report.Runs)
        {
            var notOk = r.StatusCounts.Where(kv => kv.Key is not ("200" or "202")).Sum(kv => kv.Value);
            var l = r.LatencyMs;
            text.AppendLine(string.Create(inv,
                $"| {r.Label} | {r.Connections} | {r.Batch} | {r.EventsAcked:N0} | **{r.EventsPerS:N0}** | {r.RequestsPerS:N0} | {l?.P50:F1} | {l?.P99:F1} | {l?.Max:F1} | {notOk:N0} | {(r.Server is null ? "" : $"{r.Server.CpuPercent:F0}%")} | {(report.CatchUpS?.TryGetValue(r.Label, out var c) == true ? c.ToString("F0", inv) : "")} | {(baseline is > 0 ? $"{100 * r.EventsPerS / baseline.Value:F1}%" : "")} |"));
        }
        if (report.Baseline is { } bl)
        {
            text.AppendLine(string.Create(inv,
                $"| baseline (DuckDB appender, 1 thread) | - | - | {bl.EventsAcked:N0} | **{bl.EventsPerS:N0}** | - | - | - | - | - | - | - | 100% |"));
        }
        text.AppendLine();
        text.AppendLine(string.Create(inv, $"Machine: {report.Machine.Processors} cores, {report.Machine.MemoryMb / 1024.0:F0} GiB, {report.Machine.Os}, {report.Machine.Runtime}. Load average (1/5/15 min) after each run: {string.Join("; ", report.Runs.Select(r => $"{r.Label} {r.Machine.LoadAverage}"))}."));
        if (report.ServerRss is { } rss)
        {
            text.AppendLine(string.Create(inv, $"Server RSS over the session: min {rss.MinMb:F0} MiB, max {rss.MaxMb:F0} MiB (first {rss.FirstMb:F0}, last {rss.LastMb:F0}; {rss.Samples} samples, 1/s){(rss.WalMaxMb is { } w ? $"; WAL directory at most {w:F0} MiB" : "")}."));
        }
        foreach (var note in report.Notes ?? []) text.AppendLine(note);
        return text.ToString();
    }
}
