using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using DuckDB.NET.Data;
using Xunit.Abstractions;

namespace Veil.Tests.Reliability;

/// <summary>
/// Promise 5 on a full disk: Veil's data directory sits on a 64 MiB tmpfs that the test fills. New requests must get
/// 503 with Retry-After (never a 500, never a hang), nothing acknowledged may be lost or doubled, no file may be
/// corrupted, and once space returns Veil must take requests again by itself, without a restart.
/// </summary>
[Collection("processes")]
public class DiskFullTests(ITestOutputHelper output)
{
    private const string EventName = "DiskFull";
    private const int Senders = 4;

    [MountFact]
    public async Task A_full_disk_gets_503s_loses_nothing_acknowledged_and_recovers_by_itself()
    {
        var veil = await VeilProcess.CreateAsync();
        SmallFileSystem? disk = null;
        try
        {
            // Mounted before anything is written, so every file Veil has (metadata, WAL, DuckDB) lives on it.
            disk = SmallFileSystem.Mount(veil.DataDirectory, 64);
            var (projectId, token, secret) = await veil.CreateProjectAsync("disk-full");
            await veil.StartAsync();
            var run = new Run(veil, token, secret);
            using var client = veil.CreateClient(TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.OK, await run.SendAsync(client, "warm", 0, 50));

            var filler = disk.Fill(leaveBytes: 3 * 1024 * 1024);
            output.WriteLine($"filled: {disk.FreeBytes / 1024} KiB left");

            // Senders keep going until the server has refused 40 requests in a row (the disk is really full), bounded
            // in time and count.
            var clock = Stopwatch.StartNew();
            var consecutive503 = 0;
            var senders = Enumerable.Range(0, Senders).Select(sender => Task.Run(async () =>
            {
                for (var n = 0; n < 3000 && clock.Elapsed < TimeSpan.FromSeconds(90) && Volatile.Read(ref consecutive503) < 40; n++)
                {
                    var status = await run.SendAsync(client, $"s{sender}", n, 200);
                    if (status == HttpStatusCode.OK) Interlocked.Exchange(ref consecutive503, 0);
                    else Interlocked.Increment(ref consecutive503);
                }
            })).ToArray();
            await Task.WhenAll(senders);
            output.WriteLine($"full phase: {clock.Elapsed.TotalSeconds:F1} s, statuses {run.StatusSummary}, {run.Acknowledged.Count} events acknowledged");
            output.WriteLine("503 reasons: " + string.Join(", ", run.Reasons.Select(r => $"{r.Value}x {r.Key}")));
            Assert.True(run.Refused > 0, $"the disk never filled up: {run.StatusSummary}");
            // Refused because the log cannot be written, not because the store writer is behind.
            Assert.True(run.Reasons.ContainsKey("disk"), "503 reasons: " + string.Join(", ", run.Reasons.Keys));

            // The disk stays full for a while: the store writer has to apply what the WAL holds with no room left.
            // Reads may be refused meanwhile: a read is answered only once the access ledger has recorded it, and the
            // ledger lives on the same full disk (503, nothing returned).
            long countWhileFull;
            try
            {
                countWhileFull = await veil.WaitForCountAsync(client, projectId, secret, run.Acknowledged.Count, EventName, timeoutSeconds: 5);
            }
            catch (HttpRequestException e) when (e.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
            {
                countWhileFull = -1;
            }
            for (var n = 0; n < 10; n++) await run.SendAsync(client, "full", n, 200);
            output.WriteLine($"while full: {countWhileFull} of {run.Acknowledged.Count} acknowledged events in the store");
            output.WriteLine("server output while full:\n" + string.Join("\n", veil.Output.Split('\n').Where(l => !l.Contains("WAL write failed", StringComparison.Ordinal)).TakeLast(30)));

            // Space returns: Veil must take requests again by itself.
            File.Delete(filler);
            clock.Restart();
            var recovered = false;
            for (var n = 0; clock.Elapsed < TimeSpan.FromSeconds(20); n++)
            {
                if (await run.SendAsync(client, "after", n, 50) == HttpStatusCode.OK)
                {
                    recovered = true;
                    break;
                }
                await Task.Delay(250);
            }
            output.WriteLine($"recovered: {recovered} after {clock.Elapsed.TotalSeconds:F1} s");
            Assert.True(recovered, $"no request succeeded within 20 s of space returning:\n{Tail(veil.Output)}");
            for (var n = 0; n < 20; n++) Assert.Equal(HttpStatusCode.OK, await run.SendAsync(client, "more", n, 50));

            // Everything acknowledged reaches the store, through the running server.
            var counted = await veil.WaitForCountAsync(client, projectId, secret, run.Acknowledged.Count, EventName, timeoutSeconds: 60);
            Assert.True(counted >= run.Acknowledged.Count, $"the store has {counted} events, {run.Acknowledged.Count} were acknowledged:\n{Tail(veil.Output)}");

            // No file is damaged: a restart opens the WAL and DuckDB and still counts the same.
            await veil.StopAsync();
            await veil.StartAsync();
            using (var after = veil.CreateClient())
            {
                Assert.Equal(counted, await veil.CountAsync(after, projectId, secret, EventName));
                Assert.Equal(HttpStatusCode.OK, await run.SendAsync(after, "restarted", 0, 10));
            }
            await veil.StopAsync();

            var stored = StoredInsertIds(veil, projectId);
            var lost = run.Acknowledged.Keys.Where(id => !stored.ContainsKey(id)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged events lost, e.g. {string.Join(", ", lost.Take(5))}");
            var doubled = stored.Where(kv => kv.Value > 1).ToList();
            Assert.True(doubled.Count == 0, $"{doubled.Count} events stored twice, e.g. {string.Join(", ", doubled.Take(5).Select(kv => kv.Key))}");
            // A refused append is cut off the WAL, so it must not come back either.
            var resurrected = run.RefusedIds.Keys.Where(stored.ContainsKey).ToList();
            Assert.True(resurrected.Count == 0, $"{resurrected.Count} events of refused requests were stored, e.g. {string.Join(", ", resurrected.Take(5))}");
            output.WriteLine($"stored {stored.Count} distinct events; {run.Acknowledged.Count} acknowledged; {run.RefusedIds.Count} refused");
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            // The connection broke: say whether the server died, and what it said last.
            throw new Xunit.Sdk.XunitException($"{e.Message} (server {(veil.HasExited ? "exited" : "still running")}); server output:\n{Tail(veil.Output)}");
        }
        finally
        {
            try
            {
                await veil.StopAsync();
            }
            catch (Exception)
            {
                veil.Kill();
            }
            disk?.Dispose();
            await veil.DisposeAsync();
        }
    }

    private static Dictionary<string, long> StoredInsertIds(VeilProcess veil, int projectId)
    {
        var stored = new Dictionary<string, long>();
        using var connection = new DuckDBConnection($"Data Source={Path.Combine(veil.DataDirectory, "events.duckdb")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT insert_id, count(*) FROM events WHERE project_id = $p AND event = $e GROUP BY insert_id";
        command.Parameters.Add(new DuckDBParameter("p", projectId));
        command.Parameters.Add(new DuckDBParameter("e", EventName));
        using var reader = command.ExecuteReader();
        while (reader.Read()) stored[reader.GetString(0)] = reader.GetInt64(1);
        return stored;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];

    /// <summary>What the senders saw: acknowledged and refused insert ids, and every status.</summary>
    private sealed class Run(VeilProcess veil, string token, string secret)
    {
        private readonly ConcurrentDictionary<int, int> _statuses = new();
        private int _refused;

        public ConcurrentDictionary<string, byte> Acknowledged { get; } = new();
        public ConcurrentDictionary<string, byte> RefusedIds { get; } = new();
        public ConcurrentDictionary<string, int> Reasons { get; } = new();
        public int Refused => Volatile.Read(ref _refused);
        public string StatusSummary => string.Join(", ", _statuses.OrderBy(s => s.Key).Select(s => $"{s.Value}x {s.Key}"));

        /// <summary>One /import batch of <paramref name="count"/> events; only 200 or 503 + Retry-After are acceptable.</summary>
        public async Task<HttpStatusCode> SendAsync(HttpClient client, string sender, int n, int count)
        {
            var ids = Enumerable.Range(0, count).Select(i => $"{sender}-{n}-{i}").ToList();
            var body = "[" + string.Join(",", ids.Select((id, i) =>
                $$$"""{"event":"{{{EventName}}}","properties":{"token":"{{{token}}}","distinct_id":"u{{{i % 7}}}","time":{{{1_790_000_000_000L + i}}},"$insert_id":"{{{id}}}","page":"/p/{{{n}}}","padding":"{{{new string('x', 64)}}}"}}""")) + "]";
            using var request = VeilProcess.WithBasic(new HttpRequestMessage(HttpMethod.Post, "/import?strict=1")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            }, secret);
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (TaskCanceledException e)
            {
                throw new TimeoutException($"a request hung for 30 s on a full disk:\n{Tail(veil.Output)}", e);
            }
            using (response)
            {
                var status = (int)response.StatusCode;
                _statuses.AddOrUpdate(status, 1, (_, c) => c + 1);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    foreach (var id in ids) Acknowledged[id] = 0;
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{status} on a full disk: {text}\n{Tail(veil.Output)}");
                    Assert.True(response.Headers.RetryAfter is not null, "a 503 without Retry-After");
                    foreach (var id in ids) RefusedIds[id] = 0;
                    Reasons.AddOrUpdate(text.Contains("disk full", StringComparison.Ordinal) ? "disk" : text.Contains("busy", StringComparison.Ordinal) ? "busy" : text, 1, (_, c) => c + 1);
                    Interlocked.Increment(ref _refused);
                }
                return response.StatusCode;
            }
        }
    }
}
