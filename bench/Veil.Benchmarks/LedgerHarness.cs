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
                options.GetValueOrDefault("sync") == "interval" ? LedgerSync.Interval : LedgerSync.EveryBatch, Get(options, "warmup", 3),
                options.GetValueOrDefault("pacer") != "sleep" && PrecisePacer.Available,
                Get(options, "prealloc-mib", (int)(FileLedgerStore.DefaultPreallocationBytes >> 20))),
            "ledger-report" => await ReportAsync(options.GetValueOrDefault("dir") ?? Path.Combine(Path.GetTempPath(), "veil-ledger-1m"), Get(options, "entries", 1_000_000),
                options.GetValueOrDefault("only"), Get(options, "runs", 5), Get(options, "open-verify", 1) == 1, options.GetValueOrDefault("dump")),
            _ => 2,
        };
    }

    /// <summary>
    /// Appends at a fixed rate (open loop: latency counts from when the read was due) and prints the latency percentiles,
    /// split into the issue delay (due → the read's pool thread calls AppendAsync: pacer and thread pool) and the append
    /// itself (AppendAsync called → awaited result back on the read's thread).
    /// </summary>
    private static async Task<int> LoadAsync(int rate, int seconds, bool withIndex, LedgerSync sync, int warmupSeconds, bool precisePacer, int preallocationMiB)
    {
        var directory = Directory.CreateTempSubdirectory("veil-ledger-load-").FullName;
        try
        {
            var store = FileLedgerStore.Open(LedgerPaths.Log(directory), out var hashes, preallocationMiB * 1024L * 1024);
            await using var ledger = new AccessLedger(store, hashes, index: withIndex ? LedgerIndex.Open(LedgerPaths.Index(directory)) : null,
                options: new AccessLedgerOptions { Sync = sync });
            var workload = new LedgerWorkload(7);
            var records = Enumerable.Range(0, rate * seconds).Select(i => workload.Next(i)).ToArray();
            // Warm up at the measured rate: a server taking 1k reads/s has long finished tiered JIT compilation, and a
            // few hundred appends leave the JIT compiling (on one of the two cores) through the first seconds measured.
            await PaceAsync(ledger, records, rate, warmupSeconds * rate, precisePacer, null);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var gcBefore = GC.CollectionCount(0);
            var histograms = new Histograms();
            var elapsed = await PaceAsync(ledger, records, rate, records.Length, precisePacer, histograms);
            if (ledger.Index is { } index) await index.FlushAsync();
            var process = Process.GetCurrentProcess();
            var cpuPerAppend = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / records.Length;
            static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
            string Summary(LongHistogram h) => string.Create(CultureInfo.InvariantCulture,
                $"p50 {Ms(h.GetValueAtPercentile(50)):F3} ms, p90 {Ms(h.GetValueAtPercentile(90)):F3} ms, p99 {Ms(h.GetValueAtPercentile(99)):F3} ms, p99.9 {Ms(h.GetValueAtPercentile(99.9)):F3} ms, max {Ms(h.GetMaxValue()):F3} ms");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ledger-load ({sync}, {(precisePacer ? "precise" : "sleep")} pacer, {warmupSeconds} s warm-up, {preallocationMiB} MiB preallocated): {records.Length} appends at {rate}/s target ({records.Length / elapsed:F0}/s achieved) over {elapsed:F1} s; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            Console.WriteLine("  latency from due:  " + Summary(histograms.Total));
            Console.WriteLine("  issue delay:       " + Summary(histograms.Issue));
            Console.WriteLine("   of which pacer:   " + Summary(histograms.Pacer));
            Console.WriteLine("  AppendAsync alone: " + Summary(histograms.Append));
            // The disk alone right after, for comparison (the machine is shared: its sync latency moves by the minute).
            if (sync == LedgerSync.EveryBatch) Console.WriteLine("  bare write + fdatasync (2,000 at 1/ms, same disk, just after): " + DiskBaseline.Measure(directory, 2000));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  process CPU {cpuPerAppend:F0} µs per append (incl. {(withIndex ? "index, " : "")}load generator and thread-pool spinning); gen0 GCs {GC.CollectionCount(0) - gcBefore}; thread pool: at most {histograms.MaxPoolThreads} threads, {histograms.MaxPoolQueue} items queued"));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class Histograms
    {
        public LongHistogram Total { get; } = new(TimeStamp.Seconds(10), 3);
        public LongHistogram Issue { get; } = new(TimeStamp.Seconds(10), 3);
        public LongHistogram Append { get; } = new(TimeStamp.Seconds(10), 3);
        public LongHistogram Pacer { get; } = new(TimeStamp.Seconds(10), 3);
        public long MaxPoolQueue { get; set; }
        public int MaxPoolThreads { get; set; }
    }

    // Issues `count` appends at `rate` per second from a pacing thread, each on its own pool thread (as each request has
    // its own in a server; a leader blocks in the write), and records their latency from the due time. Each read writes
    // its timestamps into its own slot: a lock shared by every read would stall them all whenever the thread holding it
    // is preempted, which on a busy two-core machine the first harness measured as ledger latency.
    private static async Task<double> PaceAsync(AccessLedger ledger, AccessRecord[] records, int rate, int count, bool precise, Histograms? histograms)
    {
        var pending = new Task[count];
        var due = new long[count];
        var issued = new long[count];
        var called = new long[count];
        var done = new long[count];
        var interval = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp();
        long maxQueue = 0;
        var maxThreads = 0;
        var pacer = new Thread(() =>
        {
            if (precise) PrecisePacer.TightenTimerSlack();
            for (var i = 0; i < count; i++)
            {
                due[i] = start + (long)(i * interval);
                if (precise)
                {
                    PrecisePacer.SleepUntil(due[i]);
                }
                else
                {
                    // The first harness: reads due while it slept are issued together, up to ~1 ms late.
                    while (Stopwatch.GetTimestamp() < due[i]) Thread.Sleep(1);
                }
                issued[i] = Stopwatch.GetTimestamp();
                var record = records[i % records.Length];
                var slot = i;
                pending[i] = Task.Run(async () =>
                {
                    called[slot] = Stopwatch.GetTimestamp();
                    await ledger.AppendAsync(record);
                    done[slot] = Stopwatch.GetTimestamp();
                });
                if ((i & 63) == 0)
                {
                    maxQueue = Math.Max(maxQueue, ThreadPool.PendingWorkItemCount);
                    maxThreads = Math.Max(maxThreads, ThreadPool.ThreadCount);
                }
            }
        })
        { Name = "ledger-load pacer", IsBackground = true };
        pacer.Start();
        pacer.Join();
        await Task.WhenAll(pending);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (histograms is not null)
        {
            for (var i = 0; i < count; i++)
            {
                histograms.Total.RecordValue(done[i] - due[i]);
                histograms.Issue.RecordValue(Math.Max(0, called[i] - due[i]));
                histograms.Pacer.RecordValue(Math.Max(0, issued[i] - due[i]));
                histograms.Append.RecordValue(done[i] - called[i]);
            }
            histograms.MaxPoolQueue = maxQueue;
            histograms.MaxPoolThreads = maxThreads;
        }
        return elapsed;
    }

    /// <summary>Builds (or reuses) a ledger of <paramref name="entries"/> in <paramref name="directory"/>, then times reports and verify.</summary>
    private static async Task<int> ReportAsync(string directory, int entries, string? only, int runs, bool openAndVerify, string? dump)
    {
        Directory.CreateDirectory(directory);
        if (!File.Exists(LedgerPaths.Log(directory)) || IndexedCount(directory) < entries) Build(directory, entries);
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
            if (only is not null && !name.Contains(only, StringComparison.Ordinal)) continue;
            var times = new List<double>();
            var cpu = new List<double>();
            IncidentReport report = null!;
            for (var run = 0; run < runs; run++)
            {
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                report = IncidentReporter.BuildFromDirectory(directory, query, DateTimeOffset.UtcNow);
                _ = IncidentReportFormatter.ToMarkdown(report);
                times.Add(clock.Elapsed.TotalMilliseconds);
                cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds);
            }
            times.Sort();
            cpu.Sort();
            if (dump is not null)
            {
                // The report's JSON (GeneratedAt fixed) for comparing implementations.
                using var output = File.Create(Path.Combine(dump, new string([.. name.Where(char.IsLetterOrDigit)]) + ".json"));
                using var writer = new System.Text.Json.Utf8JsonWriter(output);
                IncidentReportFormatter.WriteJson(writer, report with { GeneratedAt = DateTimeOffset.UnixEpoch });
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  report {name}: {report.Accesses:N0} accesses, {report.Persons:N0} persons; median {times[times.Count / 2]:F0} ms, min {times[0]:F0} ms, max {times[^1]:F0} ms; process CPU median {cpu[cpu.Count / 2]:F0} ms ({runs} runs, Markdown included); load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        }
        if (!openAndVerify) return 0;

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

    // Reports catch the index up from the log's tail, so the index's count is the log's (cheaper than scanning 750 MiB).
    private static long IndexedCount(string directory)
    {
        using var index = LedgerIndex.Open(LedgerPaths.Index(directory));
        index.CatchUpFromFile(LedgerPaths.Log(directory));
        return index.IndexedCount;
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
