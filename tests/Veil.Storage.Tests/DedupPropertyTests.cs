using CsCheck;
using Veil.Core.Events;
using Veil.Storage.DuckDb;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

public sealed class DedupPropertyTests : IDisposable
{
    private readonly TempStoreDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Few values per key part so that random events collide often; exact resends are injected on top.
    private static readonly Gen<StoredEvent> GenEvent =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 5], Gen.Int[0, 3], Gen.Int[0, 1]).Select((name, person, time, insert, project) =>
        {
            var e = Event(100 + project, name: $"e{name}", timeMs: Day0Ms + time * (DayMs / 2), insertId: $"i{insert}", person: person);
            if (person == 0) e.DistinctId = null;
            return e;
        });

    private static readonly Gen<StoredEvent[][]> GenBatches =
        Gen.Select(GenEvent.Array[0, 12], Gen.Int[0, 3]).Select((events, resends) =>
                events.Length == 0 ? events : [.. events, .. events.Take(resends)])
            .Array[1, 6];

    [Fact]
    public void Stored_count_equals_a_hash_set_reference_across_batches_calls_and_reopens()
    {
        var nextProjectBase = 0;
        var store = DuckDbEventStore.Open(_dir.StoreFile, new DuckDbEventStoreOptions { MaxDedupDays = 2 });
        try
        {
            Gen.Select(GenBatches, Gen.Int[1, 3], Gen.Bool).Sample((batches, batchesPerCall, reopen) =>
            {
                // Each sample uses its own projects, so samples share one file without interfering.
                var offset = nextProjectBase += 10;
                var reference = new HashSet<(int, string, UInt128?, long, string)>();
                long expectedStored = 0, stored = 0, duplicates = 0, total = 0;
                foreach (var chunk in batches.Chunk(batchesPerCall))
                {
                    var call = new List<(long, IngestBatch)>();
                    foreach (var events in chunk)
                    {
                        var copies = events.Select(e => Event(e.ProjectId + offset, e.Name, e.TimeMs, e.InsertId, 0)).ToArray();
                        for (var i = 0; i < copies.Length; i++) copies[i].DistinctId = events[i].DistinctId;
                        foreach (var e in copies)
                        {
                            if (reference.Add((e.ProjectId, e.Name, e.DistinctId?.Value, e.TimeMs, e.InsertId))) expectedStored++;
                        }
                        total += copies.Length;
                        call.Add((store.AppliedLsn + call.Count + 1, Batch(copies)));
                    }
                    var result = store.Apply(call);
                    stored += result.EventsStored;
                    duplicates += result.DuplicatesSkipped;
                    if (reopen)
                    {
                        store.Dispose();
                        store = DuckDbEventStore.Open(_dir.StoreFile, new DuckDbEventStoreOptions { MaxDedupDays = 2 });
                    }
                }
                Assert.Equal(expectedStored, stored);
                Assert.Equal(total, stored + duplicates);
                Assert.Equal(expectedStored, store.CountEvents(offset + 100) + store.CountEvents(offset + 101));
            }, iter: 40, threads: 1);
        }
        finally
        {
            store.Dispose();
        }
    }
}
