using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using Xunit.Abstractions;

namespace Veil.Tests;

/// <summary>
/// Promise 5: an acknowledged event is never lost and never stored twice, whatever moment the server is killed at.
/// </summary>
[Collection("processes")]
public class DurabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Kill_9_under_concurrent_load_loses_and_duplicates_nothing_acknowledged()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var (projectId, token, secret) = await veil.CreateProjectAsync("durability");
        var random = new Random(20261128);
        var acknowledged = new ConcurrentDictionary<string, byte>();
        var attempted = 0L;
        const int Loops = 10;
        for (var loop = 0; loop < Loops; loop++)
        {
            await veil.StartAsync();
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
                    }
                }
            })).ToArray();
            // Kill at a different moment each loop: during warm-up, mid-load, while the store writer flushes.
            await Task.Delay(100 + random.Next(1500));
            veil.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(senders);
        }

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
        output.WriteLine($"{Loops} kills: {attempted} events attempted, {acknowledged.Count} acknowledged, {stored.Count} stored");
        Assert.True(acknowledged.Count > 1000, $"the load should have had events acknowledged, got {acknowledged.Count}");
        var lost = acknowledged.Keys.Where(id => !stored.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged events lost, e.g. {string.Join(", ", lost.Take(5))}");
        var duplicated = stored.Where(kv => kv.Value > 1).ToList();
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} events stored more than once, e.g. {string.Join(", ", duplicated.Take(5).Select(kv => kv.Key))}");
    }
}
