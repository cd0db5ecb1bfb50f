using DuckDB.NET.Data;
using Veil.Storage.DuckDb;

namespace Veil.Storage.Tests;

/// <summary>A real process is killed mid-apply; the reopened store must show all of an apply or none of it.</summary>
public sealed class CrashTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TempStoreDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("crash-at-events-appended")]
    [InlineData("crash-at-before-commit")]
    public void Killed_before_commit_leaves_neither_rows_nor_applied_lsn(string mode)
    {
        using (var probe = new StoreProbe(mode, _dir.StoreFile))
        {
            Assert.Equal("dying", probe.ReadLine(Timeout));
            Assert.Equal(137, probe.WaitForExit(Timeout)); // 128 + SIGKILL
        }
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        Assert.Equal(1, store.AppliedLsn);
        Assert.Equal(Program.EventsPerBatch, store.CountEvents(Program.Project));
        Assert.Equal(0, CountProfileUpdates(store));

        // The host replays LSN 2: nothing of it may be taken for a duplicate.
        var replay = TestEvents.UniqueBatch(Program.Project, 2, 20_000);
        Assert.Equal(new StoreApplyResult(20_000, 0, 0), store.Apply(TestEvents.At(2, replay)));
    }

    [Fact]
    public void Killed_at_a_random_moment_while_applying_keeps_rows_and_applied_lsn_in_step()
    {
        using (var probe = new StoreProbe("apply-forever", _dir.StoreFile))
        {
            while (long.Parse(probe.ReadLine(Timeout) ?? throw new InvalidOperationException(probe.StandardError()),
                       System.Globalization.CultureInfo.InvariantCulture) < 3)
            {
            }
            Thread.Sleep(Random.Shared.Next(0, 40));
            probe.Kill();
        }
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        Assert.True(store.AppliedLsn >= 3);
        Assert.Equal(store.AppliedLsn * Program.EventsPerBatch, store.CountEvents(Program.Project));
    }

    [Fact]
    public void Opening_a_file_held_by_another_process_names_the_problem()
    {
        using var probe = new StoreProbe("hold", _dir.StoreFile);
        Assert.Equal("ready", probe.ReadLine(Timeout));
        var e = Assert.Throws<StoreInUseException>(() => DuckDbEventStore.Open(_dir.StoreFile));
        Assert.Contains("data directory is in use by another Veil process", e.Message, StringComparison.Ordinal);

        probe.CloseInput();
        Assert.Equal(0, probe.WaitForExit(Timeout));
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        Assert.Equal(0, store.AppliedLsn);
    }

    private static long CountProfileUpdates(DuckDbEventStore store)
    {
        using var connection = store.OpenReader();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM profile_updates";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
