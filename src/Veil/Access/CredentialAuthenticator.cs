using System.Net;
using System.Security.Cryptography;
using Veil.Endpoints;
using Veil.Projects;
using Veil.Security.Access;
using Veil.Storage.Metadata;

namespace Veil.Access;

/// <summary>
/// HTTP Basic credentials, as Mixpanel's APIs take them: a service account <c>username:secret</c> (its scopes, expiry and
/// IP allow-list apply), the project secret <c>secret:</c> (scopes <c>import</c> + <c>read:aggregate</c>: it lives in
/// scripts and CI, so it gets no individual-level reads and no admin), or for /import only the public token.
/// </summary>
public sealed class CredentialAuthenticator(ProjectDirectory projects, IAccountStore accounts, TimeProvider time)
{
    /// <summary>What the legacy project secret may do.</summary>
    public const CredentialScopes ProjectSecretScopes = CredentialScopes.Import | CredentialScopes.ReadAggregate;

    /// <summary>The outcome: a project and principal, or why not (always a 401: the credential does not work here).</summary>
    public readonly record struct Outcome(ProjectContext? Project, VeilPrincipal? Principal, string? Failure);

    public Outcome Authenticate(HttpContext context, int? projectId, bool allowToken)
    {
        if (!ProjectAuthenticator.TryReadBasic(context.Request.Headers.Authorization.ToString(), out var user, out var password))
        {
            return new(null, null, "missing credentials: send HTTP Basic auth with the project secret as username (`secret:`), or a service account `username:secret` with project_id");
        }
        var ip = context.Connection.RemoteIpAddress;
        if (password.Length > 0) return ServiceAccount(user, password, projectId, ip);
        // `secret:` — the secret identifies the project only together with the project it is checked against.
        if (projectId is { } id)
        {
            var project = projects.FindById(id);
            if (project is not null && ProjectDirectory.SecretMatches(project.Record, user)) return Secret(project, ip);
            if (allowToken && project is not null && project.Record.Token == user) return Token(project, ip);
            return new(null, null, "Invalid credentials");
        }
        foreach (var record in projects.List())
        {
            if (ProjectDirectory.SecretMatches(record, user) && projects.FindById(record.Id) is { } found) return Secret(found, ip);
        }
        if (allowToken && projects.FindByToken(user) is { } byToken) return Token(byToken, ip);
        return new(null, null, "Invalid credentials");
    }

    private Outcome ServiceAccount(string username, string secret, int? projectId, IPAddress? ip)
    {
        var account = username.Length > 200 ? null : accounts.FindScopedServiceAccount(username);
        var hash = ProjectDirectory.HashSecret(secret);
        if (account is null || !CryptographicOperations.FixedTimeEquals(account.SecretHash, hash)) return new(null, null, "Invalid credentials");
        var now = time.GetUtcNow();
        if (account.ExpiresAt is { } expires && expires <= now) return new(null, null, "this service account has expired; create a new one");
        if (account.AllowedIps.Count > 0 && !Allowed(account.AllowedIps, ip)) return new(null, null, "this service account may not be used from this address");
        if (projectId is not null && projectId != account.ProjectId) return new(null, null, $"this service account has no access to project {projectId}");
        var project = projects.FindById(account.ProjectId);
        if (project is null) return new(null, null, "Invalid credentials");
        // Last-used time at minute resolution: each update is a durable write.
        if (account.LastUsedAt is not { } last || now - last > TimeSpan.FromMinutes(1)) accounts.TouchServiceAccount(account.Username, now);
        var scopes = ScopeNames.ParseStored(account.Scopes);
        return new(project, new VeilPrincipal(PrincipalKind.ServiceAccount, "service-account:" + account.Username, account.Username, project.Id, null, scopes, MfaLevel.None, null, ip), null);
    }

    private static Outcome Secret(ProjectContext project, IPAddress? ip) =>
        new(project, new VeilPrincipal(PrincipalKind.ProjectSecret, $"project-secret:{project.Id}", $"project-secret:{project.Id}", project.Id, null, ProjectSecretScopes, MfaLevel.None, null, ip), null);

    private static Outcome Token(ProjectContext project, IPAddress? ip) =>
        new(project, new VeilPrincipal(PrincipalKind.ProjectToken, $"project-token:{project.Id}", $"project-token:{project.Id}", project.Id, null, CredentialScopes.Import, MfaLevel.None, null, ip), null);

    /// <summary>Whether <paramref name="ip"/> matches an entry (an address or a CIDR range) of the allow-list.</summary>
    public static bool Allowed(IReadOnlyList<string> allowList, IPAddress? ip)
    {
        if (ip is null) return false;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        foreach (var entry in allowList)
        {
            if (IPNetwork.TryParse(entry, out var network) && network.Contains(ip)) return true;
            if (IPAddress.TryParse(entry, out var single) && single.Equals(ip)) return true;
        }
        return false;
    }
}
