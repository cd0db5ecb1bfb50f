using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;

namespace Veil.Load;

/// <summary>
/// The ceiling to compare the server against: the same events appended straight into a fresh DuckDB file on one
/// thread with the appender, then checkpointed. No HTTP, no parsing, no privacy pipeline, no write-ahead log.
/// </summary>
internal static class DuckDbBaseline
{
    private const string CreateTable = """
        CREATE TABLE events (
            project_id  INTEGER   NOT NULL,
            event       VARCHAR   NOT NULL,
            time        TIMESTAMP NOT NULL,
            insert_id   VARCHAR   NOT NULL,
            distinct_id VARCHAR,
            properties  JSON      NOT NULL
        )
        """;

    /// <summary>Generates <paramref name="count"/> events, appends them to <paramref name="databasePath"/> and times the append.</summary>
    public static LoadResult Run(int count, int seed, string databasePath, string label)
    {
        var prepare = Stopwatch.StartNew();
        var rows = Prepare(new EventGenerator(seed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Generate(count));
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        prepare.Stop();

        foreach (var path in new[] { databasePath, databasePath + ".wal" }) File.Delete(path);
        using var connection = new DuckDBConnection($"Data Source={databasePath}");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = CreateTable;
            create.ExecuteNonQuery();
        }

        var startedAt = DateTimeOffset.UtcNow;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var timed = Stopwatch.StartNew();
        using (var appender = connection.CreateAppender("events"))
        {
            foreach (var row in rows)
            {
                appender.CreateRow()
                    .AppendValue((int?)1)
                    .AppendValue(row.Event)
                    .AppendValue((DateTime?)row.Time)
                    .AppendValue(row.InsertId)
                    .AppendValue(row.DistinctId)
                    .AppendValue(row.PropertiesJson)
                    .EndRow();
            }
        }
        // Count the data as stored only once it is in the database file, as the server's store writer does.
        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "CHECKPOINT";
            checkpoint.ExecuteNonQuery();
        }
        timed.Stop();
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;

        return new LoadResult
        {
            Label = label,
            Format = "baseline",
            Connections = 1,
            Batch = count,
            TargetRate = 0,
            Seed = seed,
            StartedAt = startedAt,
            RequestedDurationS = 0,
            DurationS = Math.Round(timed.Elapsed.TotalSeconds, 3),
            EventsPrepared = count,
            EventsSent = count,
            EventsAcked = count,
            RequestsSent = 0,
            RequestsOk = 0,
            EventsPerS = Math.Round(count / timed.Elapsed.TotalSeconds, 1),
            RequestsPerS = 0,
            StatusCounts = [],
            PrepareS = Math.Round(prepare.Elapsed.TotalSeconds, 2),
            ClientCpuS = Math.Round(cpu, 2),
            Machine = MachineInfo.Current(),
        };
    }

    private static BaselineRow[] Prepare(BrowserEvent[] events)
    {
        var rows = new BaselineRow[events.Length];
        Parallel.For(0, events.Length, () => new ArrayBufferWriter<byte>(4096), (i, _, buffer) =>
        {
            var e = events[i];
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                EventJson.WriteProperties(writer, e, timeInSeconds: false, token: null);
            }
            rows[i] = new BaselineRow(
                e.Name,
                DateTimeOffset.FromUnixTimeMilliseconds(e.TimeMs).UtcDateTime,
                e.InsertId,
                e.DistinctId,
                Encoding.UTF8.GetString(buffer.WrittenSpan));
            return buffer;
        }, _ => { });
        return rows;
    }
}
