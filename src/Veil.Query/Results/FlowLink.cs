namespace Veil.Query.Results;

/// <summary>A Sankey link from the node at <see cref="Step"/> to the node at the next step away from the anchor, with its persons.</summary>
public sealed record FlowLink(int Step, string? From, string? To, long Persons)
{
    /// <summary>True when a threshold hid the count.</summary>
    public bool Suppressed { get; init; }
}
