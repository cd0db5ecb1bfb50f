using System.Diagnostics;
using System.Globalization;
using System.Net;
using HdrHistogram;
using Veil.Security.Ledger;

namespace Veil.Benchmarks;

/// <summary>
/// Whole-ledger timings BenchmarkDotNet does not fit: append latency under an open-loop rate (`ledger-load`), and
/// incident-report and verify latency over a large ledger (`ledger-report`).
/// </summary>
public static class LedgerHarness
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        return args[0] switch
        {
            "ledger-load" => await LoadAsync(Get(options, "rate", 1000), Get(options, "seconds", 20), Get(options, "index", 1) == 1,
                options.GetValueOrDefault("sync") == "interval" ? LedgerSync.Interval : LedgerSync.EveryBatch),
            "ledger-report" => await ReportAsync(options.GetValueOrDefault("dir") ?? Path.Combine(Path.GetTempPath(), "veil-ledger-1m"), Get(options, "entries", 1_000_000)),
            _ => 2,
        };
    }

    /// <summary>Appends at a fixed rate (open loop: latency counts from when the read was due) and prints the latency percentiles.</summary>
    private static async Task<int> LoadAsync(int rate, int seconds, bool withIndex, LedgerSync sync)
    {
        var directory = Directory.CreateTempSubdirectory("veil-ledger-load-").FullName;
        try
        {
            var store = FileLedgerStore.Open(LedgerPaths.Log(directory), out var hashes);
            await using var ledger = new AccessLedger(store, hashes, index: withIndex ? LedgerIndex.Open(LedgerPaths.Index(directory)) : null,
                options: new AccessLedgerOptions { Sync = sync });
            var workload = new LedgerWorkload(7);
            var records = Enumerable.Range(0, rate * seconds).Select(i => workload.Next(i)).ToArray();
            for (var i = 0; i < 200; i++) await ledger.AppendAsync(records[i % records.Length]); // warm up
            var histogram = new LongHistogram(TimeStamp.Seconds(10), 3);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var pending = new List<Task>(records.Length);
            var clock = Stopwatch.StartNew();
            var interval = Stopwatch.Frequency / (double)rate;
            // The pacer runs on its own thread so its sleeps never hold up the ledger's continuations.
            var pacer = new Thread(() =>
            {
                for (var i = 0; i < records.Length; i++)
                {
                    var due = (long)(i * interval);
                    // Sleep rather than spin: a spinning pacer would take a core from the ledger on a small machine.
                    // Reads due while it slept are issued together, and their latency counts from when each was due.
                    while (clock.ElapsedTicks < due) Thread.Sleep(1);
                    // Each read on its own pool thread, as each request has its own in a server (a leader blocks on the fsync).
                    var record = records[i];
                    var append = Task.Run(() => ledger.AppendAsync(record));
                    lock (pending) pending.Add(append.ContinueWith(_ =>
                    {
                        lock (histogram) histogram.RecordValue(clock.ElapsedTicks - due);
                    }, TaskContinuationOptions.ExecuteSynchronously));
                }
            });
            pacer.Start();
            pacer.Join();
            await Task.WhenAll(pending);
            var elapsed = clock.Elapsed.TotalSeconds;
            if (ledger.Index is { } index) await index.FlushAsync();
            var process = Process.GetCurrentProcess();
            var cpuPerAppend = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / records.Length;
            double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ledger-load ({sync}): {records.Length} appends at {rate}/s target ({records.Length / elapsed:F0}/s achieved) over {elapsed:F1} s; " +
                $"latency p50 {Ms(50):F3} ms, p90 {Ms(90):F3} ms, p99 {Ms(99):F3} ms, p99.9 {Ms(99.9):F3} ms, max {histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency:F3} ms; " +
                $"ledger file {new FileInfo(LedgerPaths.Log(directory)).Length / 1024.0 / 1024.0:F1} MiB; process CPU {cpuPerAppend:F0} µs per append (incl. {(withIndex ? "index and " : "")}the load generator); " +
                $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Builds (or reuses) a ledger of <paramref name="entries"/> in <paramref name="directory"/>, then times reports and verify.</summary>
    private static async Task<int> ReportAsync(string directory, int entries)
    {
        Directory.CreateDirectory(directory);
        if (!File.Exists(LedgerPaths.Log(directory)) || FileLedgerStore.ScanPath(LedgerPaths.Log(directory)).LongCount() < entries) Build(directory, entries);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ledger-report: {entries:N0} entries, ledger.log {new FileInfo(LedgerPaths.Log(directory)).Length / 1024.0 / 1024.0:F0} MiB, index {new FileInfo(LedgerPaths.Index(directory)).Length / 1024.0 / 1024.0:F0} MiB"));

        var queries = new (string Name, IncidentQuery Query)[]
        {
            ("--credential cred-17 (typical)", new IncidentQuery { Credential = "cred-17" }),
            ("--principal acct-17 (3-4 credentials)", new IncidentQuery { Principal = "acct-17" }),
            ("--credential cred-17 --from/--to one week", new IncidentQuery { Credential = "cred-17", From = Start.AddDays(3), To = Start.AddDays(10) }),
            ("--ip 10.1.1.7/32", new IncidentQuery { Network = IPNetwork.Parse("10.1.1.7/32") }),
            ("--credential cred-0 (heavy: 5% of all reads)", new IncidentQuery { Credential = "cred-0" }),
        };
        foreach (var (name, query) in queries)
        {
            var times = new List<double>();
            IncidentReport report = null!;
            for (var run = 0; run < 5; run++)
            {
                var clock = Stopwatch.StartNew();
                report = IncidentReporter.BuildFromDirectory(directory, query, DateTimeOffset.UtcNow);
                _ = IncidentReportFormatter.ToMarkdown(report);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  report {name}: {report.Accesses:N0} accesses, {report.Persons:N0} persons; median {times[2]:F0} ms, max {times[^1]:F0} ms (first run {times.Max():F0} ms incl. cold caches)"));
        }

        var open = Stopwatch.StartNew();
        var store = FileLedgerStore.Open(LedgerPaths.Log(directory), out var hashes);
        var index = LedgerIndex.Open(LedgerPaths.Index(directory));
        await using (var ledger = new AccessLedger(store, hashes, index: index))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  open (scan + tree rebuild): {open.Elapsed.TotalMilliseconds:F0} ms"));
            var clock = Stopwatch.StartNew();
            var report = await ledger.ReportAsync(new IncidentQuery { Credential = "cred-17" });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  in-server report cred-17: {report.Accesses:N0} accesses in {clock.Elapsed.TotalMilliseconds:F0} ms"));
            clock.Restart();
            var proof = ledger.ConsistencyProof(entries / 3, entries);
            var inclusion = ledger.InclusionProof(entries / 2, entries);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  consistency + inclusion proof: {clock.Elapsed.TotalMicroseconds:F0} µs ({proof.Count} + {inclusion.Count} hashes)"));
        }

        var verify = Stopwatch.StartNew();
        var result = LedgerVerifier.VerifyDirectory(directory, null);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  verify: {result.EntriesChecked:N0} entries, ok={result.Ok}, {verify.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }

    private static readonly DateTimeOffset Start = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static void Build(string directory, int entries)
    {
        foreach (var file in new[] { LedgerPaths.Log(directory), LedgerPaths.Index(directory), LedgerPaths.Index(directory) + "-wal", LedgerPaths.Index(directory) + "-shm" }) File.Delete(file);
        var clock = Stopwatch.StartNew();
        var workload = new LedgerWorkload(11);
        using var store = FileLedgerStore.Open(LedgerPaths.Log(directory), out _);
        using var index = LedgerIndex.Open(LedgerPaths.Index(directory));
        const int batch = 10_000;
        // 1M reads spread over 60 days.
        var step = TimeSpan.FromDays(60).Ticks / entries;
        for (var first = 0; first < entries; first += batch)
        {
            var records = new List<StoredLedgerRecord>(batch);
            var indexed = new List<IndexedEntry>(batch);
            for (var i = first; i < Math.Min(entries, first + batch); i++)
            {
                var entry = new LedgerEntry(i, DateTimeOffset.FromUnixTimeMilliseconds(Start.AddTicks(step * i).ToUnixTimeMilliseconds()), workload.Next(i));
                var bytes = LedgerEntryCodec.Encode(entry);
                records.Add(new StoredLedgerRecord(i, bytes, MerkleHash.Leaf(bytes)));
                indexed.Add(new IndexedEntry(entry, 0, 4 + bytes.Length + MerkleHash.Size));
            }
            store.Append(records);
            for (var k = 0; k < indexed.Count; k++) indexed[k] = indexed[k] with { Locator = store.Locate(indexed[k].Entry.Index) };
            index.Add(indexed);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built {entries:N0} entries in {clock.Elapsed.TotalSeconds:F1} s"));
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 1; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
        return options;
    }

    private static int Get(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
