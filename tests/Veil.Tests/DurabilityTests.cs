using Veil.Tests.Reliability.Crash;
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
        // Ten SIGKILLs at random moments of the load (during warm-up, mid-load, while the store writer flushes), no WAL
        // cut: a process crash, not a power cut (CrashLoopTests aims at exact points and cuts the unsynced tail).
        await using var veil = await VeilProcess.CreateAsync();
        const int Loops = 10;
        var result = await CrashLoop.RunAsync(veil, Loops, seed: 20261128, output.WriteLine, loseUnsynced: false, targets: ["timer"]);

        output.WriteLine($"{Loops} kills: {result.Attempted} events attempted, {result.Acknowledged} acknowledged, {result.Stored} stored");
        Assert.True(result.Acknowledged > 1000, $"the load should have had events acknowledged, got {result.Acknowledged}");
        Assert.True(result.Lost.Count == 0, $"{result.Lost.Count} acknowledged events lost, e.g. {string.Join(", ", result.Lost.Take(5))}");
        Assert.True(result.Duplicated.Count == 0, $"{result.Duplicated.Count} events stored more than once, e.g. {string.Join(", ", result.Duplicated.Take(5))}");
    }
}
