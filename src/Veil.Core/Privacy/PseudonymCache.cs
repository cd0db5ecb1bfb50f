namespace Veil.Core.Privacy;

/// <summary>
/// A bounded, thread-safe memo of identifier → <see cref="Pseudonym"/> under one <see cref="PseudonymKey"/>. The same
/// distinct id and device id come with every event of a session, so most events need no HMAC at all. The answer is
/// always exactly <see cref="PseudonymKey.Compute"/>'s: an entry is only used when its identifier is equal, char for
/// char. Raw identifiers are held here, in process memory only (never written anywhere), for as long as their slot is
/// not reused; the cache belongs to one key instance, so a new key (another project, a re-read key) starts empty.
/// </summary>
public sealed class PseudonymCache
{
    /// <summary>Identifiers longer than this are hashed every time rather than held.</summary>
    public const int MaxIdentifierLength = 256;

    // Two-way set associative: an identifier lives in one of the two slots of its set, so two hot identifiers that
    // share a set do not evict each other. Slots hold immutable entries, swapped whole, so readers need no lock.
    private readonly Entry?[] _slots;
    private readonly int _setMask;

    /// <summary>
    /// Entries a project's cache holds by default: the distinct and device ids of ~16k people active at once. With 4096,
    /// the load harness's 20k users missed on two lookups in three at 80k events/s (an HMAC and two allocations each,
    /// the pipeline's largest single cost); full, it holds ~3–4 MB per active project.
    /// </summary>
    public const int DefaultCapacity = 32_768;

    /// <param name="key">The key whose pseudonyms are memoised.</param>
    /// <param name="capacity">Entries kept at most (rounded up to a power of two, at least 2).</param>
    public PseudonymCache(PseudonymKey key, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Key = key;
        var slots = (int)Math.Max(2, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity));
        _slots = new Entry?[slots];
        _setMask = slots / 2 - 1;
    }

    /// <summary>The key the pseudonyms are computed under.</summary>
    public PseudonymKey Key { get; }

    /// <summary>How many identifiers the cache can hold.</summary>
    public int Capacity => _slots.Length;

    /// <summary>How many identifiers it holds now (a snapshot; for tests and diagnostics).</summary>
    public int Count
    {
        get
        {
            var count = 0;
            for (var i = 0; i < _slots.Length; i++)
            {
                if (Volatile.Read(ref _slots[i]) is not null) count++;
            }
            return count;
        }
    }

    /// <summary>Whether <paramref name="identifier"/> is held now (for tests).</summary>
    public bool Contains(ReadOnlySpan<char> identifier)
    {
        var set = SetOf(identifier);
        return Matches(Volatile.Read(ref _slots[set]), identifier) || Matches(Volatile.Read(ref _slots[set + 1]), identifier);
    }

    /// <summary>Forgets every identifier.</summary>
    public void Clear()
    {
        for (var i = 0; i < _slots.Length; i++) Volatile.Write(ref _slots[i], null);
    }

    /// <summary>Same as <see cref="PseudonymKey.Compute"/>: HMAC-SHA256 of the identifier cut to 128 bits.</summary>
    public Pseudonym Compute(ReadOnlySpan<char> identifier)
    {
        if (identifier.Length > MaxIdentifierLength) return Key.Compute(identifier.ToString());
        var set = SetOf(identifier);
        var first = Volatile.Read(ref _slots[set]);
        if (Matches(first, identifier)) return first!.Pseudonym;
        var second = Volatile.Read(ref _slots[set + 1]);
        if (Matches(second, identifier)) return second!.Pseudonym;
        var text = identifier.ToString();
        var entry = new Entry(text, Key.Compute(text));
        // Fill an empty slot first; otherwise replace the older of the two (the new entry goes first, the old first moves on).
        if (first is null) Volatile.Write(ref _slots[set], entry);
        else if (second is null) Volatile.Write(ref _slots[set + 1], entry);
        else
        {
            Volatile.Write(ref _slots[set + 1], first);
            Volatile.Write(ref _slots[set], entry);
        }
        return entry.Pseudonym;
    }

    /// <summary>Same as <see cref="PseudonymKey.ComputeDistinctId"/>: <c>$device:&lt;id&gt;</c> and <c>&lt;id&gt;</c> are one identifier.</summary>
    public Pseudonym ComputeDistinctId(ReadOnlySpan<char> distinctId) => Compute(WithoutDevicePrefix(distinctId));

    /// <summary>The identifier a distinct id names: without mixpanel-browser's <c>$device:</c> prefix.</summary>
    public static ReadOnlySpan<char> WithoutDevicePrefix(ReadOnlySpan<char> distinctId) =>
        distinctId.StartsWith(PseudonymKey.DevicePrefix, StringComparison.Ordinal) && distinctId.Length > PseudonymKey.DevicePrefix.Length
            ? distinctId[PseudonymKey.DevicePrefix.Length..]
            : distinctId;

    // string.GetHashCode is randomised per process, so nobody can aim identifiers at one set from outside.
    private int SetOf(ReadOnlySpan<char> identifier) => (string.GetHashCode(identifier) & _setMask) * 2;

    private static bool Matches(Entry? entry, ReadOnlySpan<char> identifier) =>
        entry is not null && identifier.SequenceEqual(entry.Identifier);

    private sealed class Entry(string identifier, Pseudonym pseudonym)
    {
        public string Identifier { get; } = identifier;
        public Pseudonym Pseudonym { get; } = pseudonym;
    }
}
