namespace Veil.Ingest.Wire;

/// <summary>The profile updates of one <c>/engage</c> or <c>/groups</c> request after validation.</summary>
public sealed class MixpanelProfileBatch
{
    /// <summary>Valid updates, in request order.</summary>
    public List<MixpanelProfileOperation> Operations { get; } = [];

    /// <summary>Rejected items, in request order.</summary>
    public List<ItemError> Errors { get; } = [];
}
