namespace Veil.Core.Privacy.Pii;

/// <summary>
/// What <see cref="PiiScanner"/> found in one text: non-overlapping hits ordered by position. The empty result
/// (<c>default</c>) holds no array, so a scan that finds nothing allocates nothing.
/// </summary>
public readonly struct PiiScanResult
{
    private readonly PiiHit[]? _hits;
    private readonly uint _detectors;

    internal PiiScanResult(PiiHit[] hits)
    {
        _hits = hits;
        foreach (var hit in hits) _detectors |= 1u << (int)hit.Detector;
    }

    /// <summary>The result with no hits.</summary>
    public static PiiScanResult None => default;

    /// <summary>Whether any detector hit.</summary>
    public bool HasHits => _hits is not null;

    /// <summary>The number of hits.</summary>
    public int Count => _hits?.Length ?? 0;

    /// <summary>The hits, ordered by <see cref="PiiHit.Start"/>, never overlapping.</summary>
    public ReadOnlySpan<PiiHit> Hits => _hits;

    /// <summary>The hit at <paramref name="index"/>.</summary>
    public PiiHit this[int index] => (_hits ?? [])[index];

    /// <summary>Whether <paramref name="detector"/> hit at least once.</summary>
    public bool Contains(PiiDetector detector) => (_detectors & (1u << (int)detector)) != 0;

    /// <summary>The distinct detectors that hit, in enum order.</summary>
    public IReadOnlyList<PiiDetector> Detectors
    {
        get
        {
            if (_detectors == 0) return [];
            var list = new List<PiiDetector>();
            foreach (var detector in Enum.GetValues<PiiDetector>())
            {
                if (Contains(detector)) list.Add(detector);
            }
            return list;
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        _hits is null ? "(none)" : string.Join(", ", _hits.Select(h => $"{h.Detector}@{h.Start}+{h.Length}"));
}
