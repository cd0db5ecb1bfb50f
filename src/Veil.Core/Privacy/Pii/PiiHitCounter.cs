using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Counts detector hits per (project, property, detector) so an operator can see where PII arrives. It keeps counts
/// only, never values. Property names come from senders, so the number of distinct keys is capped: past the cap,
/// new properties are counted under <see cref="OverflowProperty"/>. Thread-safe.
/// </summary>
public sealed class PiiHitCounter(int maxKeys = 10_000)
{
    /// <summary>The property name counted for keys past the cap.</summary>
    public const string OverflowProperty = "(other)";

    private readonly ConcurrentDictionary<(int ProjectId, string PropertyName, PiiDetector Detector), StrongBox<long>> _counts = new();
    private readonly int _maxKeys = maxKeys;

    /// <summary>Adds <paramref name="count"/> hits.</summary>
    public void Increment(int projectId, string propertyName, PiiDetector detector, long count = 1)
    {
        var key = (projectId, propertyName, detector);
        if (!_counts.TryGetValue(key, out var box))
        {
            if (_counts.Count >= _maxKeys) key = (projectId, OverflowProperty, detector);
            box = _counts.GetOrAdd(key, static _ => new StrongBox<long>());
        }
        Interlocked.Add(ref box.Value, count);
    }

    /// <summary>The counts so far, ordered by project, property and detector.</summary>
    public IReadOnlyList<PiiHitCount> Snapshot() =>
        _counts
            .Select(pair => new PiiHitCount(pair.Key.ProjectId, pair.Key.PropertyName, pair.Key.Detector, Interlocked.Read(ref pair.Value.Value)))
            .OrderBy(c => c.ProjectId)
            .ThenBy(c => c.PropertyName, StringComparer.Ordinal)
            .ThenBy(c => c.Detector)
            .ToList();
}
