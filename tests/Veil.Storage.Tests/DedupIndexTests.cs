using Veil.Storage.Dedup;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

public sealed class DedupIndexTests
{
    private static readonly DateOnly D1 = new(2025, 1, 1);
    private static readonly DateOnly D2 = new(2025, 1, 2);
    private static readonly DateOnly D3 = new(2025, 1, 3);

    // Stands in for the store: what has been "committed" per (project, day).
    private readonly Dictionary<(int, DateOnly), List<ulong>> _stored = [];
    private readonly List<(int, DateOnly)> _loads = [];

    private DedupIndex NewIndex(int maxDays = 100, long maxKeys = 1_000) =>
        new((project, day) =>
        {
            _loads.Add((project, day));
            return _stored.TryGetValue((project, day), out var keys) ? [.. keys] : [];
        }, maxDays, maxKeys);

    [Fact]
    public void A_day_is_loaded_once_and_then_answers_from_memory()
    {
        _stored[(1, D1)] = [10, 11];
        var index = NewIndex();
        Assert.False(index.TryAdd(1, D1, 10));
        Assert.True(index.TryAdd(1, D1, 12));
        Assert.False(index.TryAdd(1, D1, 12));
        index.Commit();
        Assert.False(index.TryAdd(1, D1, 11));
        Assert.Equal([(1, D1)], _loads);
        Assert.Equal(3, index.KeyCount);
    }

    [Fact]
    public void Least_recently_used_days_are_evicted_beyond_the_day_budget_and_reloaded_exactly()
    {
        var index = NewIndex(maxDays: 2);
        foreach (var day in new[] { D1, D2, D3 })
        {
            Assert.True(index.TryAdd(1, day, 1));
            _stored[(1, day)] = [1];
            index.Commit();
        }
        Assert.Equal(2, index.DayCount);
        Assert.False(index.TryAdd(1, D1, 1)); // evicted, reloaded from the store, still a duplicate
        index.Commit();
        Assert.Equal(4, _loads.Count);
        Assert.False(index.TryAdd(1, D3, 1)); // D3 was kept, D2 was the one evicted now
        Assert.Equal(4, _loads.Count);
    }

    [Fact]
    public void The_key_budget_evicts_whole_days_but_never_the_ones_just_used()
    {
        var index = NewIndex(maxKeys: 3);
        for (ulong k = 1; k <= 3; k++) index.TryAdd(1, D1, k);
        index.Commit();
        for (ulong k = 1; k <= 2; k++) index.TryAdd(1, D2, k);
        index.Commit();
        Assert.Equal(1, index.DayCount);
        Assert.Equal(2, index.KeyCount);

        // One apply larger than the budget keeps all its days until the next one.
        for (ulong k = 1; k <= 5; k++) index.TryAdd(2, D3, k);
        index.Commit();
        Assert.Equal(1, index.DayCount);
        Assert.Equal(5, index.KeyCount);
    }

    [Fact]
    public void Abort_forgets_the_touched_days_so_uncommitted_keys_are_not_duplicates()
    {
        _stored[(1, D1)] = [7];
        var index = NewIndex();
        index.TryAdd(1, D2, 5);
        index.Commit();
        _stored[(1, D2)] = [5];

        Assert.True(index.TryAdd(1, D1, 8));
        index.Abort();
        Assert.Equal(1, index.DayCount);
        Assert.True(index.TryAdd(1, D1, 8));
        Assert.False(index.TryAdd(1, D1, 7));
        Assert.False(index.TryAdd(1, D2, 5));
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
