namespace Veil.Storage.Dedup;

/// <summary>
/// A Bloom filter of 64-bit keys that grows as keys arrive: "certainly not added" or "maybe added", in about two
/// bytes per key (a set of the keys themselves costs 11–16). Each key sets 8 bits inside one 512-bit block, so a
/// lookup touches one cache line; when the newest slice is full a new one of twice its capacity is started and
/// lookups ask every slice. With 16 bits per key the chance of a false "maybe" stays near 0.1% per slice.
/// </summary>
internal sealed class KeyFilter
{
    private const int BitsPerKey = 16;
    private const int BitsPerBlock = 512;
    private const int WordsPerBlock = BitsPerBlock / 64;
    private const int MinCapacity = 16_384;

    private readonly List<Slice> _slices = [];

    public KeyFilter(int expectedCount = 0)
    {
        _slices.Add(new Slice(Math.Max(MinCapacity, expectedCount)));
    }

    /// <summary>Keys added.</summary>
    public long Count { get; private set; }

    /// <summary>Bytes held by the bit arrays.</summary>
    public long AllocatedBytes => _slices.Sum(s => s.Words.LongLength * sizeof(ulong));

    /// <summary>False when <paramref name="key"/> was certainly never added.</summary>
    public bool MayContain(ulong key)
    {
        var (block, bits) = Spread(key);
        foreach (var slice in _slices)
        {
            if (slice.Has(block, bits)) return true;
        }
        return false;
    }

    public void Add(ulong key)
    {
        var last = _slices[^1];
        if (last.Count >= last.Capacity)
        {
            last = new Slice(last.Capacity * 2);
            _slices.Add(last);
        }
        var (block, bits) = Spread(key);
        last.Set(block, bits);
        Count++;
    }

    // Two independent 64-bit mixes of the key: one picks the block, the other the 8 bit positions (9 bits each).
    private static (ulong Block, ulong Bits) Spread(ulong key)
    {
        var a = key * 0x9E3779B97F4A7C15UL;
        a ^= a >> 29;
        var b = (key ^ 0xD6E8FEB86659FD93UL) * 0xBF58476D1CE4E5B9UL;
        b ^= b >> 31;
        b *= 0x94D049BB133111EBUL;
        b ^= b >> 29;
        return (a, b);
    }

    private sealed class Slice
    {
        public Slice(long capacity)
        {
            Capacity = capacity;
            var blocks = Math.Max(1, (capacity * BitsPerKey + BitsPerBlock - 1) / BitsPerBlock);
            Words = new ulong[blocks * WordsPerBlock];
        }

        public long Capacity { get; }

        public long Count { get; private set; }

        public ulong[] Words { get; }

        private long Blocks => Words.LongLength / WordsPerBlock;

        public bool Has(ulong block, ulong bits)
        {
            var start = Start(block);
            for (var i = 0; i < 8; i++)
            {
                var bit = (int)(bits >> (i * 9)) & (BitsPerBlock - 1);
                if ((Words[start + (bit >> 6)] & (1UL << (bit & 63))) == 0) return false;
            }
            return true;
        }

        public void Set(ulong block, ulong bits)
        {
            var start = Start(block);
            for (var i = 0; i < 8; i++)
            {
                var bit = (int)(bits >> (i * 9)) & (BitsPerBlock - 1);
                Words[start + (bit >> 6)] |= 1UL << (bit & 63);
            }
            Count++;
        }

        // Multiply-shift maps the mixed key onto the block range without a modulo bias worth caring about.
        private long Start(ulong block) => (long)(((UInt128)block * (ulong)Blocks) >> 64) * WordsPerBlock;
    }
}
