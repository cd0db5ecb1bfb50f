using Veil.Ingest.Enrichment;

namespace Veil.Ingest.Tests.Enrichment;

public sealed class BoundedLruCacheTests
{
    [Fact]
    public void The_least_recently_used_entry_is_evicted_first()
    {
        var cache = new BoundedLruCache<string, int>(2);
        cache.Set("a", 1);
        cache.Set("b", 2);
        Assert.True(cache.TryGet("a", out _)); // "b" is now the oldest

        cache.Set("c", 3);

        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out var a));
        Assert.Equal(1, a);
        Assert.True(cache.TryGet("c", out var c));
        Assert.Equal(3, c);
    }

    [Fact]
    public void Setting_an_existing_key_replaces_its_value_without_growing()
    {
        var cache = new BoundedLruCache<string, int>(2);
        cache.Set("a", 1);
        cache.Set("a", 2);

        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet("a", out var value));
        Assert.Equal(2, value);
    }

    [Fact]
    public void Concurrent_use_never_exceeds_the_capacity_nor_returns_a_wrong_value()
    {
        var cache = new BoundedLruCache<int, int>(100);
        Parallel.For(0, 100_000, i =>
        {
            var key = i % 317;
            if (cache.TryGet(key, out var value)) Assert.Equal(key * 2, value);
            else cache.Set(key, key * 2);
        });

        Assert.Equal(100, cache.Count);
    }
}
