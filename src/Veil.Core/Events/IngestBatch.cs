namespace Veil.Core.Events;

/// <summary>What one accepted request contributes: the unit written to the WAL and acknowledged together.</summary>
public sealed class IngestBatch
{
    public List<StoredEvent> Events { get; } = [];
    public List<ProfileUpdate> ProfileUpdates { get; } = [];

    public bool IsEmpty => Events.Count == 0 && ProfileUpdates.Count == 0;
}
