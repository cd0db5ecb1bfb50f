using System.Text;

namespace Veil.Tests.Privacy;

/// <summary>
/// Promise 1 while the server runs: mid-load, no file under the data directory and no log line holds the PII being
/// sent — including the Node SDK's GET URLs, which carry whole events in their query strings.
/// </summary>
[Collection("processes")]
public class LiveScanTests
{
    private const string Email = "live.scan+pii@example.com";
    private const string Phone = "+4915112345678";
    private const string Ip = "81.2.69.142";
    private const string UserId = "live-scan-user-4711";

    [Fact]
    public async Task A_running_server_cannot_dump_its_memory_to_disk()
    {
        // Raw identifiers in flight (and the pseudonym cache) and decrypted vault values live only in memory: a core
        // file would put them on disk, so the server runs with a core size limit of 0 and not dumpable.
        await using var veil = await VeilProcess.CreateAsync();
        await veil.CreateProjectAsync("dump");
        await veil.StartAsync();
        var limits = await File.ReadAllLinesAsync($"/proc/{veil.ProcessId}/limits");
        var core = limits.Single(l => l.StartsWith("Max core file size", StringComparison.Ordinal));
        Assert.Equal(["0", "0"], core["Max core file size".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2));
    }

    [Fact]
    public async Task Data_directory_and_logs_hold_no_pii_while_ingesting()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var (projectId, token, secret) = await veil.CreateProjectAsync("live");
        veil.Quiet = false; // information-level logs, the most a production server writes
        await veil.StartAsync("--trusted-proxy", "127.0.0.1");
        using var client = veil.CreateClient();
        using var stop = new CancellationTokenSource();
        var sent = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref sent);
                var ev = $$$"""{"event":"Live","properties":{"token":"{{{token}}}","distinct_id":"{{{UserId}}}","$insert_id":"live-{{{n}}}","ip":"{{{Ip}}}","contact":"{{{Email}}}","phone":"{{{Phone}}}"}}""";
                var url = "/track?ip=1&verbose=0&data=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(ev)));
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", Ip);
                using var response = await client.SendAsync(request);
                var profile = $$$"""{"$token":"{{{token}}}","$distinct_id":"{{{UserId}}}","$set":{"$email":"{{{Email}}}","$phone":"{{{Phone}}}"}}""";
                using var engage = await client.GetAsync("/engage?data=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(profile))));
                // Refused input must not be logged either: a broken payload that quotes the PII.
                using var bad = await client.GetAsync("/track?data=" + Uri.EscapeDataString("{\"event\":\"x\",\"properties\":{\"token\":\"" + token + "\",\"contact\":\"" + Email + "\""));
                using var unauthorised = await client.SendAsync(VeilProcess.WithBasic(new HttpRequestMessage(HttpMethod.Post, "/import") { Content = new StringContent("[{\"event\":\"" + Email + "\"}]") }, Email));
            }
        });
        // Scan repeatedly while the load runs and the store writer flushes.
        for (var round = 0; round < 5; round++)
        {
            await Task.Delay(600);
            foreach (var secretValue in new[] { Email, Phone, Ip, UserId })
            {
                var hit = FindInFiles(veil.DataDirectory, Encoding.UTF8.GetBytes(secretValue));
                Assert.True(hit is null, $"round {round}: '{secretValue}' found in {hit} while the server runs");
            }
        }
        await stop.CancelAsync();
        await load;
        Assert.True(sent > 20, $"the load should have sent events, sent {sent}");
        using (var check = veil.CreateClient())
        {
            Assert.True(await veil.WaitForCountAsync(check, projectId, secret, 1) >= 1);
        }
        await veil.StopAsync();
        Assert.Contains("Veil is running", veil.Output, StringComparison.Ordinal);
        foreach (var secretValue in new[] { Email, Phone, Ip, UserId, Uri.EscapeDataString(Email), Convert.ToBase64String(Encoding.UTF8.GetBytes(UserId)).TrimEnd('=') })
        {
            Assert.DoesNotContain(secretValue, veil.Output, StringComparison.OrdinalIgnoreCase);
            var hit = FindInFiles(veil.DataDirectory, Encoding.UTF8.GetBytes(secretValue));
            Assert.True(hit is null, $"'{secretValue}' found in {hit} after stop");
        }
    }

    private static string? FindInFiles(string directory, byte[] needle)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                bytes = memory.ToArray();
            }
            catch (IOException)
            {
                continue; // removed between listing and reading (a checkpointed WAL segment)
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            var index = bytes.AsSpan().IndexOf(needle);
            if (index >= 0) return $"{Path.GetRelativePath(directory, file)}@{index}";
        }
        return null;
    }
}
