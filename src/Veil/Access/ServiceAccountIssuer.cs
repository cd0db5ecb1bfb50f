using System.Net;
using System.Security.Cryptography;
using Veil.Projects;
using Veil.Security.Access;
using Veil.Security.Accounts;
using Veil.Storage.Metadata;

namespace Veil.Access;

/// <summary>Creates scoped service accounts (API and CLI alike): validated name, scopes, expiry and IP allow-list; the secret is shown once.</summary>
public static class ServiceAccountIssuer
{
    /// <summary>Validates and creates; returns the secret, or throws <see cref="ArgumentException"/> naming the bad field.</summary>
    public static string Create(IAccountStore accounts, int projectId, string username, IReadOnlyList<string> scopeNames, DateTimeOffset? expiresAt, IReadOnlyList<string> allowIps, DateTimeOffset now)
    {
        if (username.Length is < 3 or > 64 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ArgumentException("`username` is 3–64 characters of letters, digits, '.', '-' or '_'.");
        }
        if (!ScopeNames.TryParse(scopeNames, out var scopes, out var unknown))
        {
            throw new ArgumentException($"unknown scope \"{unknown}\"; scopes are {string.Join(", ", ScopeNames.All)}.");
        }
        if (scopes == CredentialScopes.None) throw new ArgumentException($"a service account needs at least one scope ({string.Join(", ", ScopeNames.All)}).");
        if (expiresAt is { } expires && expires <= now) throw new ArgumentException("`expires` must be in the future.");
        foreach (var entry in allowIps)
        {
            if (!IPNetwork.TryParse(entry, out _) && !IPAddress.TryParse(entry, out _)) throw new ArgumentException($"\"{entry}\" is not an IP address or CIDR range.");
        }
        var secret = SessionTokens.Base64Url(RandomNumberGenerator.GetBytes(32));
        accounts.CreateServiceAccount(new ScopedServiceAccountRecord(username, ProjectDirectory.HashSecret(secret), projectId, ScopeNames.Format(scopes),
            expiresAt, [.. allowIps], null, now));
        return secret;
    }
}
