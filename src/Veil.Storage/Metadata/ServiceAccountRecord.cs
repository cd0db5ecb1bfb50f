namespace Veil.Storage.Metadata;

/// <summary>A service account: a username and a hashed secret, allowed to act on one project.</summary>
public sealed record ServiceAccountRecord(string Username, byte[] SecretHash, int ProjectId, DateTimeOffset CreatedAt);
