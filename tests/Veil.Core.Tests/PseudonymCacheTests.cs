using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

public class PseudonymCacheTests
{
    private static readonly byte[] KeyBytes = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();

    private static Pseudonym Hmac(string identifier)
    {
        var mac = HMACSHA256.HashData(KeyBytes, Encoding.UTF8.GetBytes(identifier));
        return Pseudonym.FromBytes(mac.AsSpan(0, 16));
    }

    // A small cache, so generated identifiers keep evicting each other and answers come from hits and misses alike.
    [Fact]
    public void Answers_are_exactly_hmac_whether_cached_or_not()
    {
        var cache = new PseudonymCache(new PseudonymKey(KeyBytes), capacity: 8);
        var ids = Gen.OneOf(
            Gen.String[0, 40],
            Gen.String[Gen.Char["ab"], 1, 4],
            Gen.OneOf("$device:", "$device:x", "x", "ce6a8d92-1d76-40a9-b842-dcacc79ab615", "\ud800", "\ufffd", "é", "e\u0301"),
            Gen.String[Gen.Char["xy"], PseudonymCache.MaxIdentifierLength - 1, PseudonymCache.MaxIdentifierLength + 2]);
        ids.List[1, 30].Sample(list =>
        {
            foreach (var id in list.Concat(list))
            {
                Assert.Equal(Hmac(id), cache.Compute(id));
                Assert.Equal(cache.Key.ComputeDistinctId(id), cache.ComputeDistinctId(id));
            }
        }, threads: 1);
    }

    [Fact]
    public void Device_prefix_and_bare_id_are_one_identifier()
    {
        var cache = new PseudonymCache(new PseudonymKey(KeyBytes));
        Assert.Equal(Hmac("ce6a"), cache.ComputeDistinctId("$device:ce6a"));
        Assert.Equal(Hmac("$device:"), cache.ComputeDistinctId("$device:"));
        Assert.True(cache.Contains("ce6a"));
        Assert.False(cache.Contains("$device:ce6a"));
    }

    [Fact]
    public void Holds_at_most_its_capacity_and_evicts()
    {
        var cache = new PseudonymCache(new PseudonymKey(KeyBytes), capacity: 64);
        Assert.Equal(64, cache.Capacity);
        for (var i = 0; i < 10_000; i++) cache.Compute("user-" + i);
        Assert.InRange(cache.Count, 1, 64);
        var held = Enumerable.Range(0, 10_000).Count(i => cache.Contains("user-" + i));
        Assert.Equal(cache.Count, held);
        Assert.True(cache.Contains("user-9999"), "the newest identifier is always held");
    }

    [Fact]
    public void Long_identifiers_are_not_held()
    {
        var cache = new PseudonymCache(new PseudonymKey(KeyBytes));
        var id = new string('x', PseudonymCache.MaxIdentifierLength + 1);
        Assert.Equal(Hmac(id), cache.Compute(id));
        Assert.False(cache.Contains(id));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Clear_forgets_everything()
    {
        var cache = new PseudonymCache(new PseudonymKey(KeyBytes));
        cache.Compute("a");
        cache.Compute("b");
        Assert.Equal(2, cache.Count);
        cache.Clear();
        Assert.Equal(0, cache.Count);
        Assert.False(cache.Contains("a"));
        Assert.Equal(Hmac("a"), cache.Compute("a"));
    }

    [Fact]
    public void A_project_caches_under_its_own_key_only()
    {
        var a = new ProjectPrivacy(1, new PseudonymKey(KeyBytes));
        var b = new ProjectPrivacy(1, new PseudonymKey(RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(Hmac("user-1"), a.Pseudonyms.Compute("user-1"));
        Assert.Equal(b.PseudonymKey.Compute("user-1"), b.Pseudonyms.Compute("user-1"));
        Assert.NotEqual(a.Pseudonyms.Compute("user-1"), b.Pseudonyms.Compute("user-1"));
        Assert.Same(b.PseudonymKey, b.Pseudonyms.Key);
    }

    [Fact]
    public async Task Concurrent_callers_always_get_the_hmac()
    {
        var cache = new PseudonymCache(new PseudonymKey(KeyBytes), capacity: 16);
        var ids = Enumerable.Range(0, 64).Select(i => "id-" + i).ToArray();
        var expected = ids.ToDictionary(id => id, Hmac);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (var i = 0; i < 20_000; i++)
            {
                var id = ids[random.Next(ids.Length)];
                Assert.Equal(expected[id], cache.Compute(id));
            }
        }));
        await Task.WhenAll(workers);
        Assert.InRange(cache.Count, 1, 16);
    }
}
