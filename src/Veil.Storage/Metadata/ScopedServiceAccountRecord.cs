namespace Veil.Storage.Metadata;

/// <summary>
/// A service account with explicit scopes (<c>ingest</c>, <c>import</c>, <c>read:aggregate</c>, <c>read:individual</c>,
/// <c>export</c>, <c>admin</c>), an optional expiry and IP allow-list, and the time it was last used.
/// </summary>
public sealed record ScopedServiceAccountRecord(
    string Username,
    byte[] SecretHash,
    int ProjectId,
    IReadOnlyList<string> Scopes,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<string> AllowedIps,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset CreatedAt);
