namespace Veil.Load;

/// <summary>A consistent copy of <see cref="LoadStats"/> at one moment.</summary>
internal sealed record StatsSnapshot(
    long RequestsSent,
    long EventsSent,
    long RequestsCompleted,
    long RequestsOk,
    long EventsAcked,
    LatencySummary? Latency,
    SortedDictionary<string, long> Statuses);
