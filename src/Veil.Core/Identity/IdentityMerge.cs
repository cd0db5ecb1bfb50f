using Veil.Core.Privacy;

namespace Veil.Core.Identity;

/// <summary>A request to join <paramref name="From"/> into the person that <paramref name="To"/> belongs to.</summary>
public readonly record struct IdentityMerge(IdentityMergeKind Kind, Pseudonym From, Pseudonym To);
