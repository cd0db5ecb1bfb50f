using System.Collections.Concurrent;
using System.Net;
using System.Text;
using DuckDB.NET.Data;

namespace Veil.Tests.Reliability.Crash;

/// <summary>How one loop of <see cref="CrashLoop"/> ended.</summary>
/// <param name="Loop">Loop number, from 0.</param>
/// <param name="KillAt">The crash point aimed at (<c>POINT:N</c>), or <c>timer:MS</c> for a kill from outside.</param>
/// <param name="DiedAtPoint">True when the server killed itself at the point; false for timer kills and points not reached in time.</param>
/// <param name="Acknowledged">Events acknowledged in this loop.</param>
/// <param name="UnsyncedBytesDropped">WAL bytes after the last fsync that were cut off before the restart.</param>
public sealed record CrashLoopOutcome(int Loop, string KillAt, bool DiedAtPoint, long Acknowledged, long UnsyncedBytesDropped);

/// <summary>The ledger check after every loop: acknowledged events against the store.</summary>
public sealed record CrashLoopResult(IReadOnlyList<CrashLoopOutcome> Loops, long Attempted, long Acknowledged, long Stored, IReadOnlyList<string> Lost,
    IReadOnlyList<string> Duplicated, TimeSpan Elapsed);

/// <summary>
/// Promise 5 under crashes, as durable systems prove it: loop N times — start <c>veil serve</c>, load it from 8
/// concurrent senders (JSON <c>/import</c>, unique <c>$insert_id</c>s), kill it with SIGKILL, cut the WAL back to the last
/// fsync (what a power cut would leave: written but unsynced bytes gone) — and restart on the same data. Kills alternate
/// between a random moment (a timer) and exact crash points (<c>VEIL_CRASH_AT</c>): mid-fsync, after the fsync but before
/// the acknowledgements, mid-apply with events appended to the store's open transaction, before its commit, after it but
/// before the WAL checkpoint, and mid-checkpoint. Every restart must open the WAL and DuckDB cleanly; at the end every
/// acknowledged event must be stored exactly once. Used by the test suite (a short run) and by <c>veil-faults</c>
/// (the long run for the record).
/// </summary>
public static class CrashLoop
{
    // How many passes of each point to let go by before the kill: within a few seconds of load, so the point is reached
    // in every loop (the WAL syncs many times a second, the store writer applies about four times a second and
    // checkpoints the WAL about once). Low counts can land in the restart's own replay, which is a crash worth having too.
    private static readonly Dictionary<string, (int Min, int Max)> PassRange = new()
    {
        ["wal-written"] = (5, 200),
        ["wal-synced"] = (5, 200),
        ["events-appended"] = (2, 12),
        ["before-commit"] = (2, 12),
        ["store-committed"] = (2, 12),
        ["wal-checkpointed"] = (2, 6),
    };

    /// <summary>Kill targets in loop order: a timer, then each crash point, round and round.</summary>
    public static readonly IReadOnlyList<string> Targets = ["timer", .. PassRange.Keys];

    /// <summary>Runs the loops on <paramref name="veil"/>'s data directory (a new project in it) and checks the ledger.</summary>
    /// <param name="veil">A created, stopped server.</param>
    /// <param name="loops">Kills.</param>
    /// <param name="seed">Seed for kill moments and pass counts.</param>
    /// <param name="log">Gets a line per loop.</param>
    /// <param name="loseUnsynced">Cut the WAL back to its last fsync after each kill (a power cut), not only kill the process.</param>
    /// <param name="targets">Kill targets to cycle through (default <see cref="Targets"/>); <c>["timer"]</c> kills only at random moments.</param>
    public static async Task<CrashLoopResult> RunAsync(VeilProcess veil, int loops, int seed, Action<string> log, bool loseUnsynced = true,
        IReadOnlyList<string>? targets = null)
    {
        targets ??= Targets;
        var started = DateTime.UtcNow;
        var (projectId, token, secret) = await veil.CreateProjectAsync("crash-loop");
        var random = new Random(seed);
        var acknowledged = new ConcurrentDictionary<string, byte>();
        var attempted = 0L;
        var outcomes = new List<CrashLoopOutcome>();
        var syncLog = Path.Combine(veil.Root, "wal-sync.log");
        for (var loop = 0; loop < loops; loop++)
        {
            var target = targets[loop % targets.Count];
            string killAt;
            veil.Environment.Clear();
            // One sync log over all loops: if a loop dies before its first fsync, the last sync is an earlier run's.
            if (loseUnsynced) veil.Environment["VEIL_WAL_SYNC_LOG"] = syncLog;
            if (target == "timer")
            {
                killAt = $"timer:{100 + random.Next(1500)}";
            }
            else
            {
                var (min, max) = PassRange[target];
                killAt = $"{target}:{random.Next(min, max + 1)}";
                veil.Environment["VEIL_CRASH_AT"] = killAt;
            }

            try
            {
                await veil.StartAsync();
            }
            catch (InvalidOperationException) when (veil.HasExited)
            {
                await veil.WaitForExitAsync(TimeSpan.FromSeconds(5));
                // The point came up while the restart replayed the WAL into the store: a crash during recovery, which
                // the next restart must survive as well.
                outcomes.Add(new CrashLoopOutcome(loop, killAt, DiedAtPoint: true, Acknowledged: 0,
                    loseUnsynced ? CutToLastSync(Path.Combine(veil.DataDirectory, "wal"), syncLog) : 0));
                log($"loop {loop + 1}/{loops}: kill at {killAt} landed during recovery (before the server answered)");
                continue;
            }
            var ackedBefore = acknowledged.Count;
            using var client = veil.CreateClient(TimeSpan.FromSeconds(10));
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
            {
                var n = 0;
                while (!stop.IsCancellationRequested)
                {
                    var ids = Enumerable.Range(0, 1 + (n % 40)).Select(i => $"L{loop}-S{sender}-N{n}-{i}").ToList();
                    n++;
                    Interlocked.Add(ref attempted, ids.Count);
                    var body = "[" + string.Join(",", ids.Select(id =>
                        $$$"""{"event":"Load","properties":{"token":"{{{token}}}","distinct_id":"u{{{sender}}}","time":{{{1_790_000_000_000L + n}}},"$insert_id":"{{{id}}}"}}""")) + "]";
                    try
                    {
                        using var request = VeilProcess.WithBasic(new HttpRequestMessage(HttpMethod.Post, "/import?strict=1") { Content = new StringContent(body, Encoding.UTF8, "application/json") }, secret);
                        using var response = await client.SendAsync(request);
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            foreach (var id in ids) acknowledged[id] = 0;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // The server died mid-request: not acknowledged, so not counted.
                        await Task.Delay(20);
                    }
                }
            })).ToArray();

            bool diedAtPoint;
            if (target == "timer")
            {
                await Task.Delay(int.Parse(killAt["timer:".Length..], System.Globalization.CultureInfo.InvariantCulture));
                veil.Kill();
                diedAtPoint = false;
            }
            else
            {
                diedAtPoint = await veil.WaitForExitAsync(TimeSpan.FromSeconds(30));
                if (!diedAtPoint) veil.Kill();
            }
            await stop.CancelAsync();
            await Task.WhenAll(senders);
            var dropped = loseUnsynced ? CutToLastSync(Path.Combine(veil.DataDirectory, "wal"), syncLog) : 0;
            var outcome = new CrashLoopOutcome(loop, killAt, diedAtPoint, acknowledged.Count - ackedBefore, dropped);
            outcomes.Add(outcome);
            log($"loop {loop + 1}/{loops}: kill at {killAt}{(target != "timer" && !diedAtPoint ? " (not reached in 30 s; killed)" : "")}, "
                + $"{outcome.Acknowledged:N0} events acknowledged, {dropped:N0} unsynced WAL bytes dropped");
        }

        // The last restart, without crash points: it must come up, replay and catch up with every acknowledged event.
        veil.Environment.Clear();
        await veil.StartAsync();
        using (var client = veil.CreateClient())
        {
            await veil.WaitForCountAsync(client, projectId, secret, acknowledged.Count, timeoutSeconds: 120);
        }
        await veil.StopAsync();

        var stored = new Dictionary<string, long>();
        using (var connection = new DuckDBConnection($"Data Source={Path.Combine(veil.DataDirectory, "events.duckdb")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT insert_id, count(*) FROM events WHERE project_id = $p GROUP BY insert_id";
            command.Parameters.Add(new DuckDBParameter("p", projectId));
            using var reader = command.ExecuteReader();
            while (reader.Read()) stored[reader.GetString(0)] = reader.GetInt64(1);
        }
        var lost = acknowledged.Keys.Where(id => !stored.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        var duplicated = stored.Where(kv => kv.Value > 1).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        return new CrashLoopResult(outcomes, attempted, acknowledged.Count, stored.Count, lost, duplicated, DateTime.UtcNow - started);
    }

    /// <summary>
    /// What a power cut after the last fsync leaves: the segment the WAL last synced cut to its synced length, segments
    /// started after it gone. Returns the bytes dropped.
    /// </summary>
    public static long CutToLastSync(string walDirectory, string syncLog)
    {
        if (!File.Exists(syncLog)) return 0;
        var last = File.ReadLines(syncLog).LastOrDefault(line => line.Contains(' ', StringComparison.Ordinal));
        if (last is null) return 0;
        var (segment, length) = (last[..last.IndexOf(' ', StringComparison.Ordinal)], long.Parse(last[(last.IndexOf(' ', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        long dropped = 0;
        var path = Path.Combine(walDirectory, segment);
        if (File.Exists(path))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            if (file.Length > length)
            {
                dropped += file.Length - length;
                file.SetLength(length);
            }
        }
        if (FirstLsn(segment) is not { } syncedFirstLsn) return dropped;
        foreach (var later in Directory.EnumerateFiles(walDirectory))
        {
            if (FirstLsn(Path.GetFileName(later)) is not { } firstLsn || firstLsn <= syncedFirstLsn) continue;
            dropped += new FileInfo(later).Length;
            File.Delete(later);
        }
        return dropped;
    }

    // Segments are named wal-<first LSN, 20 digits>.log; anything else in the directory (the checkpoint file) is not one.
    private static long? FirstLsn(string fileName) =>
        fileName.Length == 28 && fileName.StartsWith("wal-", StringComparison.Ordinal) && fileName.EndsWith(".log", StringComparison.Ordinal)
        && long.TryParse(fileName.AsSpan(4, 20), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var lsn)
            ? lsn
            : null;
}
