namespace Veil.Ingest.Enrichment;

/// <summary>
/// A least-recently-used cache of at most <c>capacity</c> entries, thread-safe behind one lock: lookups are a dictionary
/// probe plus a list splice, far shorter than the work they save, so the lock is held only briefly.
/// </summary>
internal sealed class BoundedLruCache<TKey, TValue>
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _index;
    private readonly LinkedList<(TKey Key, TValue Value)> _order = new();
    private readonly Lock _lock = new();

    public BoundedLruCache(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _index = new Dictionary<TKey, LinkedListNode<(TKey, TValue)>>(capacity, comparer);
    }

    public int Count
    {
        get { lock (_lock) return _index.Count; }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        lock (_lock)
        {
            if (_index.TryGetValue(key, out var existing))
            {
                _order.Remove(existing);
                existing.Value = (key, value);
                _order.AddFirst(existing);
                return;
            }
            if (_index.Count >= _capacity)
            {
                // Reuse the evicted node so a full cache does not allocate per insert.
                var oldest = _order.Last!;
                _order.RemoveLast();
                _index.Remove(oldest.Value.Key);
                oldest.Value = (key, value);
                _order.AddFirst(oldest);
                _index[key] = oldest;
                return;
            }
            _index[key] = _order.AddFirst((key, value));
        }
    }
}
