using Veil.Storage.DuckDb;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

public sealed class ConcurrentReadTests : IDisposable
{
    private const int Project = 3;
    private const int BatchSize = 200;
    private readonly TempStoreDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Readers_see_whole_applies_only_while_the_writer_appends()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        using var done = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            try
            {
                for (var lsn = 1; lsn <= 60; lsn++) store.Apply(At(lsn, UniqueBatch(Project, lsn, BatchSize)));
            }
            finally
            {
                done.Cancel();
            }
        });
        var reader = Task.Run(() =>
        {
            var snapshots = new HashSet<long>();
            long previous = 0;
            while (!done.IsCancellationRequested)
            {
                using var connection = store.OpenReader();
                using var command = connection.CreateCommand();
                // One statement, one snapshot: the applied LSN and the rows must agree.
                command.CommandText = "SELECT (SELECT applied_lsn FROM wal_state), (SELECT count(*) FROM events)";
                using var result = command.ExecuteReader();
                result.Read();
                var lsn = result.GetInt64(0);
                var rows = result.GetInt64(1);
                Assert.Equal(lsn * BatchSize, rows);
                Assert.True(lsn >= previous);
                previous = lsn;
                snapshots.Add(lsn);
                var perDay = store.CountEventsPerDay(Project, Day0, Day0);
                Assert.True(perDay.Count == 0 || perDay[0].Count % BatchSize == 0);
            }
            return snapshots.Count;
        });
        await writer;
        var distinctSnapshots = await reader;
        Assert.True(distinctSnapshots >= 2, $"reader saw only {distinctSnapshots} state(s)");
        Assert.Equal(60L * BatchSize, store.CountEvents(Project));
    }
}
