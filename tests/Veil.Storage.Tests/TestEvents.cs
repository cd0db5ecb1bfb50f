using Veil.Core.Events;
using Veil.Core.Privacy;

namespace Veil.Storage.Tests;

/// <summary>Builders for events and batches used across the store tests.</summary>
internal static class TestEvents
{
    /// <summary>2025-03-10T00:00:00Z in ms.</summary>
    public const long Day0Ms = 1_741_564_800_000;
    public const long DayMs = 86_400_000;

    public static readonly DateOnly Day0 = new(2025, 3, 10);

    public static Pseudonym Person(int n) => new(new UInt128(0xABCDEF, (ulong)n));

    public static StoredEvent Event(int project, string name = "Page View", long timeMs = Day0Ms, string insertId = "i-1", int person = 1) =>
        new()
        {
            ProjectId = project,
            Name = name,
            TimeMs = timeMs,
            InsertId = insertId,
            DistinctId = Person(person),
            IngestedAtMs = timeMs + 1_000,
        };

    public static IngestBatch Batch(params StoredEvent[] events)
    {
        var batch = new IngestBatch();
        batch.Events.AddRange(events);
        return batch;
    }

    /// <summary><paramref name="count"/> distinct events spread over the first hours of <see cref="Day0"/>.</summary>
    public static IngestBatch UniqueBatch(int project, long lsn, int count)
    {
        var batch = new IngestBatch();
        for (var i = 0; i < count; i++)
        {
            batch.Events.Add(Event(project, "Page View", Day0Ms + i * 1_000L, $"{lsn}-{i}", person: i % 50));
        }
        return batch;
    }

    public static (long, IngestBatch)[] At(long lsn, IngestBatch batch) => [(lsn, batch)];
}
