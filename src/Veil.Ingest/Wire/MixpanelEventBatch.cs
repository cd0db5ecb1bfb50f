namespace Veil.Ingest.Wire;

/// <summary>The events of one request after validation.</summary>
public sealed class MixpanelEventBatch
{
    /// <summary>Valid events, in request order.</summary>
    public List<MixpanelEvent> Events { get; } = [];

    /// <summary>Rejected items (including NDJSON lines that were not JSON), in request order.</summary>
    public List<ItemError> Errors { get; } = [];

    /// <summary>Valid events dropped silently because they were too old for <c>/track</c> (older than 5 days).</summary>
    public int Skipped { get; set; }
}
