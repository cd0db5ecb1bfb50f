using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Veil.Load;

/// <summary>
/// Shows a run's progress: a live Spectre.Console table on a terminal, a plain line every few seconds on
/// stderr when output is redirected (as under the driver script), so logs stay readable.
/// </summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(string title, LoadStats stats, TimeSpan duration, Func<Task<T>> run)
    {
        var started = Stopwatch.GetTimestamp();
        var work = run();
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            var previous = stats.Snapshot();
            var previousAt = started;
            while (await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(5))) != work)
            {
                var now = Stopwatch.GetTimestamp();
                var snapshot = stats.Snapshot();
                var rate = (snapshot.EventsAcked - previous.EventsAcked) / Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds;
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[{title}] {Stopwatch.GetElapsedTime(started, now).TotalSeconds,5:F0}s  acked {snapshot.EventsAcked,10:N0}  {rate,10:N0} ev/s  p50 {snapshot.Latency?.P50 ?? 0:F1} ms  p99 {snapshot.Latency?.P99 ?? 0:F1} ms  {Statuses(snapshot)}"));
                (previous, previousAt) = (snapshot, now);
            }
            return await work;
        }

        await AnsiConsole.Live(Render(title, stats.Snapshot(), 0, TimeSpan.Zero, duration))
            .AutoClear(false)
            .StartAsync(async context =>
            {
                var previous = stats.Snapshot();
                var previousAt = started;
                while (await Task.WhenAny(work, Task.Delay(TimeSpan.FromMilliseconds(500))) != work)
                {
                    var now = Stopwatch.GetTimestamp();
                    var snapshot = stats.Snapshot();
                    var rate = (snapshot.EventsAcked - previous.EventsAcked) / Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds;
                    context.UpdateTarget(Render(title, snapshot, rate, Stopwatch.GetElapsedTime(started, now), duration));
                    (previous, previousAt) = (snapshot, now);
                }
                context.UpdateTarget(Render(title, stats.Snapshot(), 0, Stopwatch.GetElapsedTime(started), duration));
            });
        return await work;
    }

    private static IRenderable Render(string title, StatsSnapshot s, double rate, TimeSpan elapsed, TimeSpan duration)
    {
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().Title(Markup.Escape(title)).AddColumn("").AddColumn(new TableColumn("").RightAligned());
        var overall = elapsed.TotalSeconds > 0 ? s.EventsAcked / elapsed.TotalSeconds : 0;
        table.AddRow("elapsed", $"{elapsed.TotalSeconds:F0} / {duration.TotalSeconds:F0} s");
        table.AddRow("events acked", s.EventsAcked.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("events/s (now)", rate.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("events/s (run)", overall.ToString("N0", CultureInfo.InvariantCulture));
        table.AddRow("requests", $"{s.RequestsCompleted:N0} done / {s.RequestsSent:N0} sent");
        table.AddRow("p50 / p99 ms", s.Latency is null ? "-" : $"{s.Latency.P50:F1} / {s.Latency.P99:F1}");
        table.AddRow("statuses", Markup.Escape(Statuses(s)));
        return table;
    }

    private static string Statuses(StatsSnapshot s) =>
        s.Statuses.Count == 0 ? "-" : string.Join(" ", s.Statuses.Select(kv => $"{kv.Key}:{kv.Value}"));
}
