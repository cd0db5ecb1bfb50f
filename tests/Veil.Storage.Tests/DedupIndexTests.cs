using CsCheck;
using Veil.Storage.Dedup;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

public sealed class DedupIndexTests : IDisposable
{
    private static readonly DateOnly D1 = new(2025, 1, 1);
    private static readonly DateOnly D2 = new(2025, 1, 2);
    private static readonly DateOnly D3 = new(2025, 1, 3);

    // Stands in for the store: what has been "committed" per (project, day).
    private readonly Dictionary<(int, DateOnly), List<ulong>> _stored = [];
    private readonly List<(int, DateOnly)> _loads = [];

    // Keys accepted since the last commit, as the store holds them until its transaction commits.
    private readonly List<(int, DateOnly, ulong)> _pending = [];

    private readonly TempStoreDirectory _dir = new();

    // Verdicts the store had to settle, as DuckDbEventStore would with a query.
    private int _unsure;

    private string KeyRoot => Path.Combine(_dir.Path, "keys");

    public void Dispose() => _dir.Dispose();

    private List<ulong> Stored(int project, DateOnly day) =>
        _stored.TryGetValue((project, day), out var keys) ? keys : _stored[(project, day)] = [];

    // What DuckDbEventStore.Apply does with an event's key: an unsure verdict is settled against the stored keys.
    private bool TryAdd(DedupIndex index, int project, DateOnly day, ulong key)
    {
        var added = index.Check(project, day, key) switch
        {
            DedupVerdict.New => true,
            DedupVerdict.Duplicate => false,
            _ => Settle(index, project, day, key),
        };
        if (added) _pending.Add((project, day, key));
        return added;
    }

    private bool Settle(DedupIndex index, int project, DateOnly day, ulong key)
    {
        _unsure++;
        return !Stored(project, day).Contains(key) && index.AddUnsure(project, day, key);
    }

    private void Commit(DedupIndex index)
    {
        foreach (var (project, day, key) in _pending) Stored(project, day).Add(key);
        _pending.Clear();
        index.Commit();
    }

    private void Abort(DedupIndex index)
    {
        _pending.Clear();
        index.Abort();
    }

    private DedupIndex NewIndex(int maxDays = 100, long maxKeys = 1_000, bool keyFiles = false, int bufferKeys = 64) =>
        new((project, day) =>
        {
            _loads.Add((project, day));
            return _stored.TryGetValue((project, day), out var keys) ? [.. keys] : [];
        }, maxDays, maxKeys, keyFiles ? KeyRoot : null, bufferKeys);

    [Fact]
    public void A_day_is_loaded_once_and_then_answers_from_memory()
    {
        _stored[(1, D1)] = [10, 11];
        var index = NewIndex();
        Assert.False(TryAdd(index, 1, D1, 10));
        Assert.True(TryAdd(index, 1, D1, 12));
        Assert.False(TryAdd(index, 1, D1, 12));
        Commit(index);
        Assert.False(TryAdd(index, 1, D1, 11));
        Assert.Equal([(1, D1)], _loads);
        Assert.Equal(3, index.KeyCount);
    }

    [Fact]
    public void Least_recently_used_days_are_evicted_beyond_the_day_budget_and_reloaded_exactly()
    {
        var index = NewIndex(maxDays: 2);
        foreach (var day in new[] { D1, D2, D3 })
        {
            Assert.True(TryAdd(index, 1, day, 1));
            _stored[(1, day)] = [1];
            Commit(index);
        }
        Assert.Equal(2, index.DayCount);
        Assert.False(TryAdd(index, 1, D1, 1)); // evicted, reloaded from the store, still a duplicate
        Commit(index);
        Assert.Equal(4, _loads.Count);
        Assert.False(TryAdd(index, 1, D3, 1)); // D3 was kept, D2 was the one evicted now
        Assert.Equal(4, _loads.Count);
    }

    [Fact]
    public void The_key_budget_evicts_whole_days_but_never_the_ones_just_used()
    {
        var index = NewIndex(maxKeys: 3);
        for (ulong k = 1; k <= 3; k++) TryAdd(index, 1, D1, k);
        Commit(index);
        for (ulong k = 1; k <= 2; k++) TryAdd(index, 1, D2, k);
        Commit(index);
        Assert.Equal(1, index.DayCount);
        Assert.Equal(2, index.KeyCount);

        // One apply larger than the budget keeps its day until the next one; the day's filter stops at the budget
        // (saturated: its further keys are settled by the store).
        for (ulong k = 1; k <= 5; k++) Assert.True(TryAdd(index, 2, D3, k));
        Commit(index);
        Assert.Equal(1, index.DayCount);
        Assert.Equal(3, index.KeyCount);
        Assert.False(TryAdd(index, 2, D3, 5));
    }

    [Fact]
    public void Abort_forgets_the_touched_days_so_uncommitted_keys_are_not_duplicates()
    {
        _stored[(1, D1)] = [7];
        var index = NewIndex();
        TryAdd(index, 1, D2, 5);
        Commit(index);
        _stored[(1, D2)] = [5];

        Assert.True(TryAdd(index, 1, D1, 8));
        Abort(index);
        Assert.Equal(1, index.DayCount);
        Assert.True(TryAdd(index, 1, D1, 8));
        Assert.False(TryAdd(index, 1, D1, 7));
        Assert.False(TryAdd(index, 1, D2, 5));
    }

    [Theory]
    [InlineData(2_000, false)]
    [InlineData(200, true)]
    public void Answers_equal_an_exact_set_through_commits_aborts_and_evictions(long maxKeys, bool keyFiles)
    {
        var random = new Random(7);
        var index = NewIndex(maxDays: 3, maxKeys: maxKeys, keyFiles: keyFiles, bufferKeys: 1024);
        var committed = new HashSet<(int, DateOnly, ulong)>();
        var apply = new HashSet<(int, DateOnly, ulong)>();
        for (var round = 0; round < 400; round++)
        {
            for (var i = 0; i < 50; i++)
            {
                // Few distinct keys so retries are common; a few projects and days so days load and evict.
                var id = (random.Next(1, 3), D1.AddDays(random.Next(5)), (ulong)random.Next(3_000));
                var expected = !committed.Contains(id) && apply.Add(id);
                Assert.Equal(expected, TryAdd(index, id.Item1, id.Item2, id.Item3));
            }
            if (random.Next(10) == 0)
            {
                Abort(index);
            }
            else
            {
                Commit(index);
                committed.UnionWith(apply);
            }
            apply.Clear();
        }
        Assert.True(index.Loads > 5);
        if (keyFiles) Assert.True(index.ExactDayCount > 0);
    }

    [Fact]
    public void With_key_files_new_keys_need_no_store_query_before_or_after_the_filter_saturates()
    {
        var index = NewIndex(maxKeys: 50, keyFiles: true, bufferKeys: 16);
        ulong next = 1;
        for (var round = 0; round < 13; round++)
        {
            for (var i = 0; i < 20; i++) Assert.True(TryAdd(index, 1, D1, next++));
            Commit(index);
            if (round == 1) Assert.Equal(40, index.KeyCount);
        }
        // The filter saturated in the third apply and was dropped: the exact set answers alone.
        Assert.Equal(0, index.KeyCount);
        Assert.Equal(1, index.ExactDayCount);
        Assert.NotEmpty(Directory.EnumerateFiles(KeyRoot, "*", SearchOption.AllDirectories));
        // Without key files the filter's maybes (~0.1%), and every key once it saturated, would have gone to the store.
        Assert.Equal(0, _unsure);

        // Every stored key, old or new, is found and settled as a duplicate.
        for (ulong key = 1; key < next; key++) Assert.False(TryAdd(index, 1, D1, key));
        Assert.Equal((int)next - 1, _unsure);
        Assert.Single(_loads);
    }

    [Fact]
    public void A_day_with_key_files_forgets_an_aborted_apply_without_a_reload()
    {
        var index = NewIndex(maxKeys: 1_000, keyFiles: true, bufferKeys: 4);
        for (ulong k = 1; k <= 12; k++) TryAdd(index, 1, D1, k);
        Commit(index);

        Assert.True(TryAdd(index, 1, D1, 100));
        Assert.False(TryAdd(index, 1, D1, 100)); // twice in one apply
        Abort(index);
        _unsure = 0;
        Assert.True(TryAdd(index, 1, D1, 100)); // the filter kept its bit, the exact set says no
        Assert.Equal(0, _unsure);
        Commit(index);
        Assert.False(TryAdd(index, 1, D1, 100));
        Assert.False(TryAdd(index, 1, D1, 7));
        Assert.Single(_loads);
    }

    [Fact]
    public void A_day_stored_beyond_the_budget_loads_without_a_filter_and_stale_key_files_are_cleared()
    {
        Directory.CreateDirectory(Path.Combine(KeyRoot, "1-20250101-0"));
        File.WriteAllText(Path.Combine(KeyRoot, "1-20250101-0", "run-000000.keys"), "left by a killed process");
        _stored[(1, D1)] = [.. Enumerable.Range(1, 500).Select(k => (ulong)k)];
        var index = NewIndex(maxKeys: 100, keyFiles: true, bufferKeys: 64);
        Assert.Empty(Directory.EnumerateFileSystemEntries(KeyRoot));

        Assert.False(TryAdd(index, 1, D1, 500));
        Assert.Equal(1, index.ExactDayCount);
        Assert.Equal(0, index.KeyCount);
        _unsure = 0;
        Assert.True(TryAdd(index, 1, D1, 501));
        Assert.Equal(0, _unsure);
        Commit(index);
    }

    [Fact]
    public void Buffered_keys_stay_within_their_budget_over_all_days()
    {
        var index = NewIndex(maxKeys: 100_000, keyFiles: true, bufferKeys: 40);
        var random = new Random(9);
        for (var round = 0; round < 30; round++)
        {
            // Each apply touches many days with a few keys each, as an import of old data does.
            for (var i = 0; i < 60; i++) TryAdd(index, 1, D1.AddDays(random.Next(30)), (ulong)random.NextInt64());
            Commit(index);
            Assert.InRange(index.BufferedKeys, 0, 40);
        }
        Assert.Equal(30, index.ExactDayCount);
    }

    [Fact]
    public void Evicting_a_day_and_disposing_the_index_delete_its_key_files()
    {
        var index = NewIndex(maxDays: 1, maxKeys: 10, keyFiles: true, bufferKeys: 4);
        for (ulong k = 1; k <= 12; k++) TryAdd(index, 1, D1, k);
        Commit(index);
        Assert.NotEmpty(Directory.EnumerateFiles(KeyRoot, "*", SearchOption.AllDirectories));
        TryAdd(index, 1, D2, 1);
        Commit(index);
        Assert.Equal(1, index.DayCount);
        Assert.Single(Directory.EnumerateFileSystemEntries(KeyRoot)); // D2's

        for (ulong k = 1; k <= 12; k++) TryAdd(index, 1, D3, k);
        Commit(index);
        Assert.NotEmpty(Directory.EnumerateFiles(KeyRoot, "*", SearchOption.AllDirectories));
        index.Dispose();
        Assert.Empty(Directory.EnumerateFileSystemEntries(KeyRoot));
    }

    [Fact]
    public void When_key_files_cannot_be_written_the_day_falls_back_to_its_filter_and_stays_exact()
    {
        var index = NewIndex(maxKeys: 10, keyFiles: true);
        // A file where the day directories should go makes every key set fail.
        Directory.Delete(KeyRoot);
        File.WriteAllText(KeyRoot, "not a directory");
        var random = new Random(5);
        var committed = new HashSet<ulong>();
        for (var round = 0; round < 20; round++)
        {
            var apply = new HashSet<ulong>();
            for (var i = 0; i < 10; i++)
            {
                var key = (ulong)random.Next(150);
                Assert.Equal(!committed.Contains(key) && apply.Add(key), TryAdd(index, 1, D1, key));
            }
            if (round % 5 == 4)
            {
                Abort(index);
                continue;
            }
            Commit(index);
            committed.UnionWith(apply);
        }
        Assert.Equal(0, index.ExactDayCount);
        Assert.True(index.KeyFileFailures >= 1);
        Assert.True(index.KeyCount <= 10);
    }

    [Fact]
    public void Day_key_sets_match_a_hash_set_and_a_lookup_reads_one_partition()
    {
        Gen.Select(Gen.ULong.Array[0, 2_000], Gen.Int[16, 400], Gen.Int[20, 400]).Sample((keys, bufferKeys, maxRunKeys) =>
        {
            var directory = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N"));
            var reference = new HashSet<ulong>();
            // Small keys repeat (and all fall in partition 0), so some arrive again after their run was written.
            var added = keys.Select((k, i) => i % 4 == 0 ? k % 64 : k).ToArray();
            using (var set = new DayKeySet(directory, bufferKeys, maxRunKeys))
            {
                foreach (var key in added) set.Add(key);
                reference.UnionWith(added);
                Assert.All(reference, key => Assert.True(set.Contains(key)));
                Assert.All(keys.Select(k => ~k).Where(k => !reference.Contains(k)), key => Assert.False(set.Contains(key)));
                Assert.InRange(set.Count, reference.Count, keys.Length);
                // A partition's runs are tiered below the cap and capped above it, by the keys added to it.
                var perPartition = (double)Math.Max(1, added.GroupBy(k => k >> 60).Max(g => g.Count()));
                Assert.True(set.MaxRunsPerLookup <= 3 + Math.Log(perPartition, 4) + 2 * perPartition / maxRunKeys,
                    $"{set.MaxRunsPerLookup} runs in one partition for {reference.Count} keys");
                set.Flush();
                Assert.Equal(0, set.BufferedCount);
                Assert.All(reference, key => Assert.True(set.Contains(key)));
            }
            Assert.False(Directory.Exists(directory));
        }, iter: 50);
    }

    [Fact]
    public void Disk_key_sets_match_a_hash_set_through_flushes_and_merges()
    {
        Gen.Select(Gen.ULong.Array[0, 400], Gen.Int[1, 40], Gen.Int[1, 30], Gen.Int[1, 200]).Sample((keys, bufferKeys, flushEvery, maxRunKeys) =>
        {
            var directory = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N"));
            using var set = new DiskKeySet(directory, bufferKeys, maxRunKeys);
            var reference = new HashSet<ulong>();
            for (var i = 0; i < keys.Length; i++)
            {
                // Small keys repeat, so some keys arrive again after their run was written.
                var key = i % 3 == 0 ? keys[i] % 50 : keys[i];
                set.Add(key);
                reference.Add(key);
                if (i % flushEvery == 0) set.Flush();
            }
            // A key added again after its run was written is counted again until the runs merge.
            Assert.InRange(set.Count, reference.Count, keys.Length);
            Assert.All(reference, key => Assert.True(set.Contains(key)));
            Assert.All(keys.Select(k => ~k).Where(k => !reference.Contains(k)), key => Assert.False(set.Contains(key)));
            // Runs stay few: of any two neighbours the older is more than four times the newer (so runs shrink
            // geometrically), or together they exceed the cap (so such pairs are at most two per cap's worth of keys).
            var sizes = set.RunSizes.ToList();
            for (var r = 1; r < sizes.Count; r++)
            {
                Assert.True(sizes[r - 1] > 4 * sizes[r] || sizes[r - 1] + sizes[r] > maxRunKeys,
                    $"runs {r - 1} and {r} of {sizes[r - 1]} and {sizes[r]} keys should have merged (cap {maxRunKeys}, buffer {bufferKeys})");
            }
            Assert.All(set.RunSizes, size => Assert.True(size <= Math.Max(maxRunKeys, bufferKeys), $"a run of {size} keys"));
            set.Dispose();
            Assert.False(Directory.Exists(directory));
        }, iter: 300);
    }

    [Fact]
    public void A_day_that_fills_the_budget_stops_growing_and_stays_exact()
    {
        var random = new Random(3);
        var index = NewIndex(maxKeys: 50);
        var committed = new HashSet<ulong>();
        for (var round = 0; round < 40; round++)
        {
            var apply = new HashSet<ulong>();
            for (var i = 0; i < 20; i++)
            {
                var key = (ulong)random.Next(600);
                Assert.Equal(!committed.Contains(key) && apply.Add(key), TryAdd(index, 1, D1, key));
            }
            Commit(index);
            committed.UnionWith(apply);
            Assert.True(index.KeyCount <= 50, $"{index.KeyCount} keys for a budget of 50");
        }
        Assert.True(committed.Count > 200);
    }

    [Fact]
    public void The_filter_has_no_false_negatives_few_false_positives_and_about_two_bytes_per_key()
    {
        var filter = new KeyFilter();
        var random = new Random(11);
        var added = new HashSet<ulong>();
        while (added.Count < 1_000_000) added.Add((ulong)random.NextInt64());
        foreach (var key in added) filter.Add(key);
        Assert.All(added.Take(100_000), key => Assert.True(filter.MayContain(key)));
        var falsePositives = 0;
        var tried = 0;
        while (tried < 200_000)
        {
            var key = (ulong)random.NextInt64();
            if (added.Contains(key)) continue;
            tried++;
            if (filter.MayContain(key)) falsePositives++;
        }
        Assert.True(falsePositives < tried / 100, $"{falsePositives} false positives in {tried}");
        Assert.True(filter.AllocatedBytes < 4L * added.Count, $"{filter.AllocatedBytes} bytes for {added.Count} keys");
    }

    [Fact]
    public void Uint64_set_matches_a_hash_set_including_zero_and_growth()
    {
        var set = new UInt64Set();
        var reference = new HashSet<ulong>();
        var random = new Random(42);
        for (var i = 0; i < 50_000; i++)
        {
            var key = i % 7 == 0 ? (ulong)random.Next(100) : (ulong)random.NextInt64();
            Assert.Equal(reference.Add(key), set.Add(key));
        }
        Assert.Equal(reference.Count, set.Count);
        Assert.All(reference, key => Assert.True(set.Contains(key)));
        Assert.False(set.Contains(ulong.MaxValue - 1));
    }

    [Fact]
    public void Dedup_key_separates_every_part_and_ignores_the_rest()
    {
        var baseline = DedupKey.Compute(Event(1));
        Assert.Equal(baseline, DedupKey.Compute(Event(1)));
        Assert.NotEqual(baseline, DedupKey.Compute(Event(2)));
        Assert.NotEqual(baseline, DedupKey.Compute(Event(1, name: "Other")));
        Assert.NotEqual(baseline, DedupKey.Compute(Event(1, timeMs: Day0Ms + 1)));
        Assert.NotEqual(baseline, DedupKey.Compute(Event(1, insertId: "i-2")));
        Assert.NotEqual(baseline, DedupKey.Compute(Event(1, person: 2)));
        var anonymous = Event(1);
        anonymous.DistinctId = null;
        Assert.NotEqual(baseline, DedupKey.Compute(anonymous));
        // Moving a character between name and insert id changes the key.
        Assert.NotEqual(DedupKey.Compute(Event(1, name: "ab", insertId: "c")), DedupKey.Compute(Event(1, name: "a", insertId: "bc")));
        var longId = new string('x', 5_000);
        Assert.Equal(DedupKey.Compute(Event(1, insertId: longId)), DedupKey.Compute(Event(1, insertId: longId)));
    }

    [Theory]
    [InlineData(0, "1970-01-01")]
    [InlineData(86_399_999, "1970-01-01")]
    [InlineData(86_400_000, "1970-01-02")]
    [InlineData(-1, "1969-12-31")]
    [InlineData(-86_400_000, "1969-12-31")]
    [InlineData(-86_400_001, "1969-12-30")]
    public void Day_of_is_the_utc_calendar_day(long timeMs, string expected) =>
        Assert.Equal(DateOnly.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DedupKey.DayOf(timeMs));
}
