using System.Diagnostics;

namespace Veil.Fuzz;

/// <summary>Drives a <see cref="FuzzGenerator"/> over the in-process parsers or over HTTP, bounded in count and time.</summary>
public static class FuzzRunner
{
    /// <summary>Cases [<paramref name="first"/>, first + count) through <see cref="InProcessTarget"/> on <paramref name="threads"/> threads.</summary>
    public static FuzzReport RunInProcess(FuzzGenerator generator, long seed, long first, long count, int threads, long nowMs, Action<FuzzReport>? progress = null)
    {
        var report = new FuzzReport { Target = "in-process", Seed = seed };
        report.ManagedHeapBeforeMiB = HeapMiB();
        var clock = Stopwatch.StartNew();
        var next = first - 1;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            long index;
            while ((index = Interlocked.Increment(ref next)) < first + count)
            {
                var start = Stopwatch.GetTimestamp();
                var fuzzCase = generator.Create(index);
                try
                {
                    report.Record(fuzzCase, InProcessTarget.Run(fuzzCase, nowMs), start);
                }
                catch (Exception e)
                {
                    report.Fail(index, fuzzCase, $"{e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
            }
        })
        { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        while (!workers.All(w => w.Join(progress is null ? 1000 : 1000)))
        {
            report.ElapsedSeconds = clock.Elapsed.TotalSeconds;
            progress?.Invoke(report);
        }
        report.ElapsedSeconds = clock.Elapsed.TotalSeconds;
        report.ManagedHeapAfterMiB = HeapMiB();
        report.PeakRssMiB = PeakRssMiB(Environment.ProcessId);
        return report;
    }

    /// <summary>
    /// Cases [<paramref name="first"/>, first + count) over HTTP with <paramref name="connections"/> in flight, plus
    /// two slow clients if <paramref name="slowClients"/>; stops early at <paramref name="timeLimit"/>. Afterwards a
    /// valid request must still be accepted.
    /// </summary>
    public static async Task<FuzzReport> RunHttpAsync(FuzzGenerator generator, long seed, HttpTarget target, long first, long count, int connections,
        Uri server, bool slowClients, TimeSpan timeLimit, int? serverPid = null, Action<FuzzReport>? progress = null)
    {
        var report = new FuzzReport { Target = "http", Seed = seed };
        var clock = Stopwatch.StartNew();
        var slow = slowClients
            ? new[]
            {
                SlowClient.SlowHeadersAsync(server.Host, server.Port, TimeSpan.FromSeconds(40)),
                SlowClient.SlowBodyAsync(server.Host, server.Port, TimeSpan.FromSeconds(40)),
            }
            : [];
        var next = first - 1;
        using var progressTimer = progress is null ? null : new Timer(_ =>
        {
            report.ElapsedSeconds = clock.Elapsed.TotalSeconds;
            progress(report);
        }, null, 1000, 1000);
        var senders = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            long index;
            while ((index = Interlocked.Increment(ref next)) < first + count && clock.Elapsed < timeLimit)
            {
                var fuzzCase = generator.Create(index);
                try
                {
                    var status = await target.SendAsync(fuzzCase);
                    if (status >= 500) report.Fail(index, fuzzCase, $"HTTP {status}");
                    else report.Record(fuzzCase, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (Exception e)
                {
                    report.Fail(index, fuzzCase, $"{e.GetType().Name}: {e.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(senders);
        if (slowClients)
        {
            var seconds = await Task.WhenAll(slow);
            report.SlowClients["slow_headers_cut_after_s"] = Math.Round(seconds[0], 1);
            report.SlowClients["slow_body_cut_after_s"] = Math.Round(seconds[1], 1);
        }
        report.ElapsedSeconds = clock.Elapsed.TotalSeconds;
        if (serverPid is { } pid) report.PeakRssMiB = PeakRssMiB(pid);
        return report;
    }

    private static double HeapMiB() => Math.Round(GC.GetTotalMemory(forceFullCollection: true) / 1048576.0, 1);

    /// <summary>VmHWM of a process, in MiB (0 if unknown).</summary>
    public static double PeakRssMiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                return Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0, 1);
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
