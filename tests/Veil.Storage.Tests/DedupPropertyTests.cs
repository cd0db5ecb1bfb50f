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

    // With a budget of 4 keys, days saturate at once and are answered by their exact key sets on disk (reopens rebuild
    // them from the store); a key found there is settled by the store, over time spans that leave out the half-day gaps
    // between this generator's times. A buffer of 2 keys writes a run almost every apply, so runs are merged often.
    // Without key files, the filters' maybes and saturated days' keys all go to the store.
    [Theory]
    [InlineData(16_000_000, 1 << 20)]
    [InlineData(4, 1 << 20)]
    [InlineData(4, 2)]
    [InlineData(4, 0)]
    [InlineData(16_000_000, 0)]
    public void Stored_count_equals_a_hash_set_reference_across_batches_calls_and_reopens(long maxDedupKeys, int bufferKeys)
    {
        var nextProjectBase = 0;
        var options = new DuckDbEventStoreOptions { MaxDedupDays = 2, MaxDedupKeys = maxDedupKeys, DedupBufferKeys = Math.Max(1, bufferKeys), DedupKeysOnDisk = bufferKeys > 0 };
        var store = DuckDbEventStore.Open(_dir.StoreFile, options);
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
                        store = DuckDbEventStore.Open(_dir.StoreFile, options);
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

    [Fact]
    public void Time_spans_cover_every_probe_and_skip_only_wide_gaps()
    {
        Gen.Select(Gen.Long[0, 5_000_000].Array[0, 40], Gen.Int[1, 8], Gen.Long[0, 200_000]).Sample((times, maxSpans, minGap) =>
        {
            var spans = DuckDbEventStore.TimeSpans(times, maxSpans, minGap);
            Assert.Equal(times.Length == 0, spans.Count == 0);
            Assert.True(spans.Count <= maxSpans);
            foreach (var t in times) Assert.Single(spans, s => s.From <= t && t <= s.To);
            for (var i = 1; i < spans.Count; i++)
            {
                Assert.True(spans[i].From - spans[i - 1].To > minGap, "a span boundary at a gap no wider than the minimum");
                Assert.DoesNotContain(times, t => spans[i - 1].To < t && t < spans[i].From);
            }
            // Fewer spans than allowed: every gap wider than the minimum was left out.
            var sorted = times.Distinct().Order().ToArray();
            var wideGaps = sorted.Skip(1).Where((t, i) => t - sorted[i] > minGap).Count();
            Assert.Equal(Math.Min(wideGaps + (times.Length > 0 ? 1 : 0), maxSpans), spans.Count);
        });
    }
}
