namespace Veil.Query.Results;

/// <summary>A Sankey node: the event at a step (0 = the anchor; negative steps go back in time), null = "other", and its persons.</summary>
public sealed record FlowNode(int Step, string? Event, long Persons)
{
    /// <summary>True when a threshold hid the count.</summary>
    public bool Suppressed { get; init; }
}
