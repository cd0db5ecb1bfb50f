using Veil.Security.Access;
using Veil.Security.Accounts;

namespace Veil.Access;

/// <summary>
/// The authorization rule an endpoint carries as metadata. Every endpoint has exactly one; <see cref="VeilAuthorization"/>
/// refuses endpoints without one, and the authorization matrix test fails on them.
/// </summary>
public sealed record VeilAccess(VeilAccessKind Kind, Permission? Permission, IReadOnlyList<SessionStage> Stages, string? Why)
{
    public override string ToString() => Kind switch
    {
        VeilAccessKind.Project => $"project:{Permission}",
        VeilAccessKind.Session => "session:" + string.Join('|', Stages),
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
