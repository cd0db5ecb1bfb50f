using Veil.Tests.Reliability.Crash;
using Xunit.Abstractions;

namespace Veil.Tests.Reliability;

/// <summary>
/// The crash harness's short run (<c>veil-faults</c> runs it longer, for the record): one kill per target — a timer and
/// every crash point — each followed by cutting the WAL back to its last fsync, then the acknowledged-event ledger
/// against the store.
/// </summary>
[Collection("processes")]
public class CrashLoopTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Kills_at_every_crash_point_and_lost_unsynced_writes_lose_and_duplicate_nothing_acknowledged()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var result = await CrashLoop.RunAsync(veil, CrashLoop.Targets.Count, seed: 20261129, output.WriteLine);

        output.WriteLine($"{result.Loops.Count} kills: {result.Attempted} events attempted, {result.Acknowledged} acknowledged, {result.Stored} stored");
        Assert.True(result.Acknowledged > 1000, $"the load should have had events acknowledged, got {result.Acknowledged}");
        Assert.True(result.Lost.Count == 0, $"{result.Lost.Count} acknowledged events lost, e.g. {string.Join(", ", result.Lost.Take(5))}");
        Assert.True(result.Duplicated.Count == 0, $"{result.Duplicated.Count} events stored more than once, e.g. {string.Join(", ", result.Duplicated.Take(5))}");
        // Each crash point was reached (the kill landed where it was aimed), and the kill between write and fsync left
        // written bytes that the cut removed: acknowledgements never ran ahead of the fsync.
        Assert.All(result.Loops.Where(l => !l.KillAt.StartsWith("timer", StringComparison.Ordinal)), l => Assert.True(l.DiedAtPoint, $"{l.KillAt} was not reached"));
        Assert.Contains(result.Loops, l => l.KillAt.StartsWith("wal-written", StringComparison.Ordinal) && l.UnsyncedBytesDropped > 0);
    }

    [Fact]
    public async Task A_malformed_crash_point_stops_the_server_with_the_points_it_knows()
    {
        await using var veil = await VeilProcess.CreateAsync();
        veil.Environment["VEIL_CRASH_AT"] = "wal-fsync:3";
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => veil.StartAsync());
        Assert.Contains("VEIL_CRASH_AT must be POINT:N", error.Message);
        Assert.Contains("wal-written", error.Message);
    }
}
