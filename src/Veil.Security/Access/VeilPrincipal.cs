using System.Net;

namespace Veil.Security.Access;

/// <summary>
/// The authenticated caller of one request, as the authorization layer resolved it; the access ledger records it.
/// </summary>
/// <param name="Kind">Person, service account, project secret or anonymous.</param>
/// <param name="PrincipalId">Stable id: <c>person:12</c>, <c>service-account:name</c>, <c>project-secret:3</c>.</param>
/// <param name="CredentialId">The credential used: <c>session:…</c> (first bytes of the session hash), the service account name, or the project secret.</param>
/// <param name="ProjectId">The project the request acts on, if any.</param>
/// <param name="Role">The person's role in that project.</param>
/// <param name="Scopes">A credential's scopes (none for people: their role decides).</param>
/// <param name="Mfa">The second factor shown in this session.</param>
/// <param name="StepUpAt">When the person last passed a passkey/TOTP check.</param>
/// <param name="ClientIp">The client address (after trusted proxies).</param>
public sealed record VeilPrincipal(
    PrincipalKind Kind,
    string PrincipalId,
    string? CredentialId,
    int? ProjectId,
    Role? Role,
    CredentialScopes Scopes,
    MfaLevel Mfa,
    DateTimeOffset? StepUpAt,
    IPAddress? ClientIp)
{
    /// <summary>The person's id, for people.</summary>
    public long? PersonId { get; init; }

    /// <summary>How long ago the last step-up was, at <paramref name="now"/>; null if never.</summary>
    public TimeSpan? StepUpAge(DateTimeOffset now) => StepUpAt is { } at ? now - at : null;

    /// <summary>Whether aggregates served to this principal must suppress cells under k subjects.</summary>
    public bool AppliesKThreshold => AccessRules.AppliesKThreshold(Role, Scopes);
}
