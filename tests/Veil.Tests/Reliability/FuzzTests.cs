using Veil.Fuzz;
using Xunit.Abstractions;

namespace Veil.Tests.Reliability;

/// <summary>
/// A short run of the adversarial fuzzer (bench/fuzz, <c>veil-fuzz</c>, shares this code): every ingestion parser in
/// process, then a share over real HTTP with two slowloris clients. No exception, no 5xx, bounded memory.
/// </summary>
[Collection("processes")]
public class FuzzTests(ITestOutputHelper output)
{
    private const long Seed = 20261129;
    private const long NowMs = 1_790_000_100_000;

    private static IReadOnlyList<string> Seeds() =>
        FuzzSeeds.Load(Path.Combine(AppContext.BaseDirectory, "Captures"));

    [Fact]
    public void Twenty_thousand_adversarial_inputs_never_break_the_parsers()
    {
        var generator = new FuzzGenerator(Seed, Seeds());
        var report = FuzzRunner.RunInProcess(generator, Seed, first: 0, count: 20_000, threads: 2, NowMs);
        output.WriteLine(report.Summary());
        output.WriteLine("kinds: " + string.Join(", ", report.Kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        output.WriteLine($"managed heap {report.ManagedHeapBeforeMiB} -> {report.ManagedHeapAfterMiB} MiB, peak RSS {report.PeakRssMiB} MiB");
        Assert.True(report.Failures == 0, string.Join("\n\n", report.FirstFailures));
        Assert.Equal(FuzzGenerator.Kinds.Length, report.Kinds.Count);
        // The inputs must reach both sides of the parsers, or the run proves little.
        Assert.True(report.Outcomes.GetValueOrDefault("accepted") > 500, report.Summary());
        Assert.True(report.Outcomes.GetValueOrDefault("refused-400") > 500, report.Summary());
        Assert.True(report.ManagedHeapAfterMiB - report.ManagedHeapBeforeMiB < 64, $"managed heap grew {report.ManagedHeapBeforeMiB} -> {report.ManagedHeapAfterMiB} MiB");
    }

    [Fact]
    public async Task Adversarial_requests_and_slow_clients_over_http_get_no_5xx()
    {
        await using var veil = await VeilTestServer.StartAsync();
        var (_, token, secret) = veil.CreateProject("fuzz");
        using var client = veil.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        var generator = new FuzzGenerator(Seed, Seeds(), token, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var report = await FuzzRunner.RunHttpAsync(generator, Seed, new HttpTarget(client, token, secret), first: 1_000_000, count: 400,
            connections: 4, new Uri(veil.BaseUrl), slowClients: true, timeLimit: TimeSpan.FromSeconds(40));
        output.WriteLine(report.Summary());
        output.WriteLine("slow clients: " + string.Join(", ", report.SlowClients.Select(s => $"{s.Key} {s.Value}")));
        Assert.True(report.Failures == 0, string.Join("\n\n", report.FirstFailures));
        Assert.True(report.Inputs >= 200, report.Summary());
        Assert.True(report.Outcomes.GetValueOrDefault("200") > 20, report.Summary());
        // Kestrel cuts slow clients off (15 s header timeout, 240 B/s minimum body rate after 10 s).
        Assert.All(report.SlowClients, s => Assert.True(s.Value < 35, $"{s.Key}: {s.Value} s"));

        // Still serving afterwards.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/track") { Content = new StringContent($$$"""[{"event":"After fuzz","properties":{"token":"{{{token}}}","distinct_id":"u","time":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}}}]""") };
        using var response = await client.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}
