namespace Veil.Load;

/// <summary>All runs of one driver session with the baseline and the server's memory over the session.</summary>
internal sealed record IngestReport
{
    public required DateTimeOffset GeneratedAt { get; init; }
    public string? Command { get; init; }
    /// <summary>Free-text context from the driver (e.g. how busy the machine was before the session).</summary>
    public string[]? Notes { get; init; }
    public required MachineInfo Machine { get; init; }
    /// <summary>Server RSS sampled once a second over the whole session (the "memory stays flat" check).</summary>
    public RssSummary? ServerRss { get; init; }
    public required LoadResult[] Runs { get; init; }
    /// <summary>Per run label, seconds after the run until the server went idle (its store writer caught up).</summary>
    public Dictionary<string, double>? CatchUpS { get; init; }
    public LoadResult? Baseline { get; init; }
}
