using Veil.Core.Events;

namespace Veil.Query.Reference;

/// <summary>
/// The in-memory data the reference engine reads: stored events, the identity map (member → person) and the current
/// profile properties of persons (person → JSON object).
/// </summary>
public sealed record ReferenceData(IReadOnlyList<StoredEvent> Events, IReadOnlyDictionary<Guid, Guid> IdentityMap, IReadOnlyDictionary<Guid, string> Profiles);
