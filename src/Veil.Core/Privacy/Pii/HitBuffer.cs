using System.Buffers;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Collects hits on the stack while a value is scanned; only a value with hits costs an array. Overlaps are resolved
/// at the end: the longer hit wins, then the more specific detector.
/// </summary>
internal ref struct HitBuffer
{
    private Span<PiiHit> _items;
    private PiiHit[]? _rented;
    private int _count;

    public HitBuffer(Span<PiiHit> initial) => _items = initial;

    public readonly int Count => _count;

    public void Add(PiiDetector detector, int start, int length)
    {
        if (_count == _items.Length) Grow();
        _items[_count++] = new PiiHit(detector, start, length);
    }

    private void Grow()
    {
        var bigger = ArrayPool<PiiHit>.Shared.Rent(Math.Max(32, _items.Length * 2));
        _items[.._count].CopyTo(bigger);
        if (_rented is not null) ArrayPool<PiiHit>.Shared.Return(_rented);
        _rented = bigger;
        _items = bigger;
    }

    public readonly PiiScanResult ToResult()
    {
        if (_count == 0) return default;
        var items = _items[.._count];
        items.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        var kept = 0;
        for (var i = 0; i < items.Length; i++)
        {
            var hit = items[i];
            if (kept > 0 && hit.Start < items[kept - 1].End)
            {
                if (Beats(hit, items[kept - 1])) items[kept - 1] = hit;
                continue;
            }
            items[kept++] = hit;
        }
        return new PiiScanResult(items[..kept].ToArray());
    }

    private static bool Beats(PiiHit challenger, PiiHit holder) =>
        challenger.Length != holder.Length ? challenger.Length > holder.Length : Rank(challenger.Detector) < Rank(holder.Detector);

    /// <summary>Lower is more specific: checksummed and prefixed formats beat loose shapes such as phone numbers.</summary>
    private static int Rank(PiiDetector detector) => detector switch
    {
        PiiDetector.SecretByName => 0,
        PiiDetector.ApiKey => 1,
        PiiDetector.Jwt => 2,
        PiiDetector.Iban => 3,
        PiiDetector.PaymentCard => 4,
        PiiDetector.UsSsn => 5,
        PiiDetector.Email => 6,
        PiiDetector.IpAddress => 7,
        _ => 8,
    };

    public void Dispose()
    {
        if (_rented is not null) ArrayPool<PiiHit>.Shared.Return(_rented);
        _rented = null;
    }
}
