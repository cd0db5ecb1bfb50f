using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using DuckDB.NET.Data;
using Veil.Core.Events;
using Veil.Core.Privacy;
using Veil.Storage.DuckDb;

namespace Veil.Benchmarks;

/// <summary>
/// <c>store-apply</c>: the store writer's sustained rate. Encodes browser-like events (as the privacy pipeline leaves
/// them) into WAL payloads of one request each, then times decoding plus <see cref="DuckDbEventStore.Apply"/> in groups
/// the size the StoreWriter uses, against the same events appended straight into an identical table through the DuckDB
/// appender (no decoding, dedup or identity map) in the same run.
/// </summary>
internal static class StoreHarness
{
    public static int Run(string[] args)
    {
        var events = (int)Arg(args, "--events", 1_000_000);
        var perRequest = (int)Arg(args, "--batch", 1000);
        var perApply = (int)Arg(args, "--records-per-apply", 160);
        var dir = ArgText(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "veil-store-apply");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);

        var watch = Stopwatch.StartNew();
        var records = Generate(events, perRequest);
        Console.WriteLine($"store-apply: {events:N0} events in {records.Count:N0} WAL records of {perRequest} prepared in {watch.Elapsed.TotalSeconds:F1} s ({records.Sum(r => (long)r.Length) / events} bytes/event encoded)");

        var decoded = records.Select(r => IngestBatchCodec.Decode(r)).ToList();
        var duckDbDefaults = args.Contains("--baseline-defaults");
        var (baseline, baselineCpu) = args.Contains("--no-baseline") ? (TimeSpan.FromTicks(1), TimeSpan.FromTicks(1)) : Baseline(Path.Combine(dir, "baseline.duckdb"), decoded, perApply, duckDbDefaults);
        decoded = null;
        GC.Collect();

        // --dedup-keys below the events per day saturates the days' Bloom filters; --no-key-files settles the filters'
        // maybes (and every key of a saturated day) against the store's rows instead of the days' exact key sets on disk.
        var storeOptions = new DuckDbEventStoreOptions { MaxDedupKeys = Arg(args, "--dedup-keys", 16_000_000), DedupKeysOnDisk = !args.Contains("--no-key-files") };
        using var store = DuckDbEventStore.Open(Path.Combine(dir, "store.duckdb"), storeOptions);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        watch.Restart();
        var decodeTime = TimeSpan.Zero;
        long lsn = 0;
        for (var i = 0; i < records.Count; i += perApply)
        {
            var started = watch.Elapsed;
            var group = new List<(long, IngestBatch)>(perApply);
            for (var j = i; j < Math.Min(records.Count, i + perApply); j++) group.Add((++lsn, IngestBatchCodec.Decode(records[j])));
            decodeTime += watch.Elapsed - started;
            store.Apply(group);
        }
        var veil = watch.Elapsed;
        using (var connection = new DuckDBConnection($"Data Source={Path.Combine(dir, "store.duckdb")}"))
        {
            // Same database instance inside the process; a checkpoint makes both sides pay for writing the file.
            connection.Open();
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "CHECKPOINT";
            checkpoint.ExecuteNonQuery();
        }
        var veilWithCheckpoint = watch.Elapsed;
        var veilCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var spill = new DirectoryInfo(Path.Combine(dir, "store.duckdb.dedup"));
        if (spill.Exists)
        {
            var files = spill.GetFiles("*", SearchOption.AllDirectories);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  dedup keys on disk: {files.Length} run files, {files.Sum(f => f.Length) / (1024.0 * 1024):F1} MiB"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  baseline (appender, decoded events, {(duckDbDefaults ? "DuckDB's default settings" : "the store's DuckDB settings")}, one transaction per {perApply} records, then CHECKPOINT): {baseline.TotalSeconds:F2} s = {events / baseline.TotalSeconds:N0} events/s; CPU {baselineCpu.TotalMicroseconds / events:F1} µs/event"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  veil (decode + Apply per {perApply} records, then CHECKPOINT): {veilWithCheckpoint.TotalSeconds:F2} s = {events / veilWithCheckpoint.TotalSeconds:N0} events/s; decode {decodeTime.TotalSeconds:F2} s, apply {(veil - decodeTime).TotalSeconds:F2} s, checkpoint {(veilWithCheckpoint - veil).TotalSeconds:F2} s; CPU {veilCpu.TotalMicroseconds / events:F1} µs/event"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio veil/baseline: time {veilWithCheckpoint / baseline:F2}, CPU {veilCpu / baselineCpu:F2}"));
        return 0;
    }

    // The store's DuckDB settings (see DuckDbEventStore.Open and Apply) unless --baseline-defaults asks for DuckDB's own.
    private static (TimeSpan Wall, TimeSpan Cpu) Baseline(string path, List<IngestBatch> batches, int perApply, bool duckDbDefaults)
    {
        DuckDbEventStore.Open(path).Dispose(); // the same schema
        // Distinct 64-bit keys as Veil stores (a constant would compress to nothing), computed before the clock starts.
        var keys = batches.SelectMany(b => b.Events).Select(e => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(e.InsertId))).ToArray();
        var settings = new DuckDbEventStoreOptions();
        var connectionString = duckDbDefaults
            ? $"Data Source={path}"
            : string.Create(CultureInfo.InvariantCulture,
                $"Data Source={path};checkpoint_threshold={settings.CheckpointThresholdBytes}B;memory_limit={settings.MemoryLimitBytes / (1024 * 1024)}MB;max_vacuum_tasks=0;threads=1");
        using var connection = new DuckDBConnection(connectionString);
        connection.Open();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var k = 0;
        foreach (var chunk in batches.Chunk(perApply))
        {
            using var transaction = connection.BeginTransaction();
            using (var appender = connection.CreateAppender("events"))
            {
                foreach (var batch in chunk)
                {
                    foreach (var e in batch.Events)
                    {
                        appender.CreateRow()
                            .AppendValue((int?)e.ProjectId).AppendValue(e.Name)
                            .AppendValue((DateTime?)DateTime.UnixEpoch.AddMilliseconds(e.TimeMs)).AppendValue(e.InsertId).AppendValue((ulong?)keys[k++])
                            .AppendValue(e.DistinctId?.ToGuid()).AppendValue(e.DeviceId?.ToGuid()).AppendValue(e.UserId?.ToGuid()).AppendValue(e.SessionId?.ToGuid())
                            .AppendValue(e.Country).AppendValue(e.Region).AppendValue(e.City).AppendValue(e.Browser).AppendValue(e.BrowserVersion)
                            .AppendValue(e.Os).AppendValue(e.OsVersion).AppendValue(e.DeviceType).AppendValue(e.Lib).AppendValue(e.LibVersion)
                            .AppendValue(e.Url).AppendValue(e.ReferrerHost).AppendValue(e.Screen).AppendValue(e.PropertiesJson)
                            .AppendValue((DateTime?)DateTime.UnixEpoch.AddMilliseconds(e.IngestedAtMs))
                            .EndRow();
                    }
                }
            }
            transaction.Commit();
        }
        using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "CHECKPOINT";
        checkpoint.ExecuteNonQuery();
        return (watch.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu);
    }

    // Events shaped like the pipeline's output for mixpanel-browser traffic: 20,000 users (40% identified), ten event
    // names, coarse context columns and ~10 free properties. Deterministic.
    internal static List<byte[]> Generate(int events, int perRequest)
    {
        var random = new Random(20261129);
        var key = new PseudonymKey(Enumerable.Repeat((byte)7, 32).ToArray());
        var users = Enumerable.Range(0, 20_000).Select(i => key.Compute("user-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var devices = Enumerable.Range(0, 20_000).Select(i => key.Compute("device-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        string[] names = ["Page View", "Page View", "Page View", "Page View", "Viewed Product", "Search", "Add to Cart", "Signup", "Checkout", "Purchase"];
        string[] browsers = ["Chrome", "Safari", "Firefox", "Edge", "Mobile Safari"];
        string[] countries = ["US", "DE", "FR", "GB", "IN", "BR"];
        var now = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var records = new List<byte[]>();
        var batch = new IngestBatch();
        for (var i = 0; i < events; i++)
        {
            var user = (int)Math.Min(19_999, Math.Abs(random.NextDouble() * random.NextDouble() * 20_000));
            var identified = user % 5 < 2;
            batch.Events.Add(new StoredEvent
            {
                ProjectId = 1,
                Name = names[random.Next(names.Length)],
                TimeMs = now - random.Next(0, 2 * 86_400_000),
                InsertId = "i" + i.ToString("x12", CultureInfo.InvariantCulture),
                DistinctId = identified ? users[user] : devices[user],
                DeviceId = devices[user],
                UserId = identified ? users[user] : null,
                Country = countries[user % countries.Length],
                Region = "R" + (user % 40).ToString(CultureInfo.InvariantCulture),
                Browser = browsers[user % browsers.Length],
                BrowserVersion = 120 + (user % 12),
                Os = user % 3 == 0 ? "Windows" : "Mac OS X",
                OsVersion = "14",
                DeviceType = "Desktop",
                Lib = "web",
                LibVersion = "2.83.0",
                Url = "https://shop.example/products/" + (i % 300).ToString(CultureInfo.InvariantCulture),
                ReferrerHost = "www.google.com",
                Screen = "1500x1000",
                PropertiesJson = $$"""{"$initial_referring_domain":"www.google.com","utm_source":"google","button":"b{{i % 7}}","plan":"pro","price":{{i % 90}}.5,"mp_sent_by_lib_version":"2.83.0","category":"c{{i % 13}}","page":{{i % 20}}}""",
                IngestedAtMs = now,
            });
            if (batch.Events.Count == perRequest)
            {
                records.Add(IngestBatchCodec.Encode(batch));
                batch = new IngestBatch();
            }
        }
        if (!batch.IsEmpty) records.Add(IngestBatchCodec.Encode(batch));
        return records;
    }

    private static long Arg(string[] args, string name, long fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? ArgText(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
