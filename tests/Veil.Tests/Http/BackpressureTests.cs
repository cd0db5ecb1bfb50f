using System.Collections.Concurrent;
using Xunit.Abstractions;

namespace Veil.Tests.Http;

/// <summary>
/// When the WAL holds more than the store has caught up with, requests get 503 with Retry-After and nothing from them
/// is stored; once the store catches up, requests succeed again.
/// </summary>
public sealed class BackpressureTests(ITestOutputHelper output) : IAsyncLifetime
{
    private VeilTestServer _server = null!;
    private (int Id, string Token, string Secret) _project;

    public async Task InitializeAsync()
    {
        // One byte: any record not yet in the store blocks the next (a lone record is always let through).
        _server = await VeilTestServer.StartAsync(maxUncheckpointedWalBytes: 1);
        _project = _server.CreateProject("backpressure");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Concurrent_requests_past_the_wal_bound_get_503_with_retry_after_and_later_ones_succeed()
    {
        using var client = _server.CreateClient();
        var name = Payloads.Name("backpressure");
        var acknowledged = 0;
        var refusals = new ConcurrentBag<Reply>();
        // Bursts of concurrent requests: while the store writer applies one record, the others find the WAL full.
        // Bounded: a handful of bursts is plenty (the first usually shows it); each request carries one event.
        for (var burst = 0; burst < 10 && refusals.IsEmpty; burst++)
        {
            var replies = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ => Task.Run(() => client.SendForReplyAsync(
                VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(Payloads.Event(name, _project.Token))))))));
            foreach (var reply in replies)
            {
                if (reply.Status == 200) acknowledged++;
                else refusals.Add(reply);
            }
        }
        output.WriteLine($"{acknowledged} acknowledged, {refusals.Count} refused with 503");
        Assert.False(refusals.IsEmpty, "no request was refused: the WAL bound was never reached");
        foreach (var refusal in refusals)
        {
            Assert.Equal(503, refusal.Status);
            Assert.Equal("1", refusal.Header("Retry-After"));
            Assert.Contains("nothing from this request was stored", refusal.Reason, StringComparison.Ordinal);
        }
        Assert.True(acknowledged > 0);

        // Exactly the acknowledged events are stored: a 503 left nothing behind.
        await _server.CaughtUpAsync();
        Assert.Equal(acknowledged, await client.CountEventsAsync(_project.Id, _project.Secret, name));

        // Caught up, a request goes through again, as the SDK's retry after Retry-After would (the WAL is trimmed at the
        // next checkpoint, at most a second or so after the store caught up).
        var retry = await client.SendForReplyAsync(
            VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(Payloads.Event(name, _project.Token)))));
        for (var attempt = 0; attempt < 10 && retry.Status == 503; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(int.Parse(retry.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture)));
            retry = await client.SendForReplyAsync(
                VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(Payloads.Event(name, _project.Token)))));
        }
        retry.AssertOk(VeilHttp.VerboseOk);
        await _server.CaughtUpAsync();
        Assert.Equal(acknowledged + 1, await client.CountEventsAsync(_project.Id, _project.Secret, name));
    }
}
