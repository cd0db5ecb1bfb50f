using Veil.Core.Privacy.Pii;
using Veil.Storage.Metadata;

namespace Veil.Privacy;

/// <summary>
/// Keeps PII detection counts across restarts: loads the persisted totals into the counter at start, and writes what
/// was added every few seconds and at shutdown. Only property names, detector names and counts are stored.
/// </summary>
public sealed class PiiHitPersister(PiiHitCounter counter, IMetadataStore metadata, ILogger<PiiHitPersister> logger) : BackgroundService
{
    private readonly Dictionary<(int, string, PiiDetector), long> _flushed = [];

    /// <summary>Loads persisted totals; call before the first request is served.</summary>
    public void Load()
    {
        foreach (var hit in ReadPersisted(metadata))
        {
            counter.Increment(hit.ProjectId, hit.PropertyName, hit.Detector, hit.Count);
            _flushed[(hit.ProjectId, hit.PropertyName, hit.Detector)] = hit.Count;
        }
    }

    /// <summary>The persisted totals (rows naming a detector this build does not know are skipped).</summary>
    public static List<PiiHitCount> ReadPersisted(IMetadataStore metadata)
    {
        var hits = new List<PiiHitCount>();
        foreach (var (projectId, property, detector, count) in metadata.LoadPiiHits())
        {
            if (Enum.TryParse<PiiDetector>(detector, out var parsed)) hits.Add(new PiiHitCount(projectId, property, parsed, count));
        }
        return hits;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Flush();
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Flush();
    }

    /// <summary>Writes the counts added since the last flush.</summary>
    public void Flush()
    {
        var deltas = new List<(int, string, string, long)>();
        lock (_flushed)
        {
            foreach (var hit in counter.Snapshot())
            {
                var key = (hit.ProjectId, hit.PropertyName, hit.Detector);
                var delta = hit.Count - _flushed.GetValueOrDefault(key);
                if (delta <= 0) continue;
                deltas.Add((hit.ProjectId, hit.PropertyName, hit.Detector.ToString(), delta));
                _flushed[key] = hit.Count;
            }
            if (deltas.Count == 0) return;
            try
            {
                metadata.AddPiiHits(deltas);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                // Counts are advisory; undo so the next flush retries them.
                foreach (var (projectId, property, detector, delta) in deltas) _flushed[(projectId, property, Enum.Parse<PiiDetector>(detector))] -= delta;
                logger.LogWarning("Could not persist PII detection counts ({Message}); will retry.", e.Message);
            }
        }
    }
}
