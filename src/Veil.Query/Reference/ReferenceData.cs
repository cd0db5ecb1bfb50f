using Veil.Core.Events;

namespace Veil.Query.Reference;

/// <summary>
/// The in-memory data the reference engine reads: stored events, the identity map (member → person) and the current
/// profile properties of persons (person → JSON object), and the stored members of static cohorts (cohort id → persons).
/// </summary>
public sealed record ReferenceData(IReadOnlyList<StoredEvent> Events, IReadOnlyDictionary<Guid, Guid> IdentityMap, IReadOnlyDictionary<Guid, string> Profiles)
{
    /// <summary>Static cohorts' snapshots: the persons stored when each was saved (none: empty).</summary>
    public IReadOnlyDictionary<long, IReadOnlySet<Guid>> Snapshots { get; init; } = new Dictionary<long, IReadOnlySet<Guid>>();
}
