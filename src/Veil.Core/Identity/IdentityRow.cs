using Veil.Core.Privacy;

namespace Veil.Core.Identity;

/// <summary>
/// One row of the identity map: <paramref name="Member"/> belongs to <paramref name="Person"/>. A row whose member is its
/// own person marks that person as identified (a user id that anonymous ids were merged into). <paramref name="Person"/>
/// null in a change set means the row is gone.
/// </summary>
public readonly record struct IdentityRow(int ProjectId, Pseudonym Member, Pseudonym? Person);
