namespace Veil.Load;

/// <summary>The JSON a run writes (<c>--out</c>); the DuckDB baseline writes the same shape.</summary>
internal sealed record LoadResult
{
    public required string Label { get; init; }
    public required string Format { get; init; }
    public required int Connections { get; init; }
    public required int Batch { get; init; }
    /// <summary>Target events/s; 0 = flat out (closed loop).</summary>
    public required double TargetRate { get; init; }
    public required int Seed { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required double RequestedDurationS { get; init; }
    /// <summary>From the first send to the last reply.</summary>
    public required double DurationS { get; init; }
    public required long EventsPrepared { get; init; }
    public required long EventsSent { get; init; }
    public required long EventsAcked { get; init; }
    public required long RequestsSent { get; init; }
    public required long RequestsOk { get; init; }
    public required double EventsPerS { get; init; }
    public required double RequestsPerS { get; init; }
    /// <summary>Ack latency per request; null for the baseline (no requests).</summary>
    public LatencySummary? LatencyMs { get; init; }
    public required SortedDictionary<string, long> StatusCounts { get; init; }
    /// <summary>
    /// Passes over the prepared requests, warm-up included (1 = each sent at most once; beyond that, later passes sent
    /// copies with fresh insert ids).
    /// </summary>
    public double PoolPasses { get; init; }
    /// <summary>Seconds spent generating and serialising events, before timing started.</summary>
    public double PrepareS { get; init; }
    /// <summary>CPU the harness itself used while timing (it shares the machine with the server).</summary>
    public double ClientCpuS { get; init; }
    public ServerUsage? Server { get; init; }
    /// <summary>Replies per second of the run, with the slow ones (null for the baseline).</summary>
    public List<SecondSummary>? Seconds { get; init; }
    public required MachineInfo Machine { get; init; }
}
