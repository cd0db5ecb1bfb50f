namespace Veil.Storage.Metadata;

/// <summary>An invitation to join a project with a role; only a hash of its token is stored.</summary>
public sealed record InvitationRecord(byte[] TokenHash, string Email, int ProjectId, string Role, DateTimeOffset ExpiresAt, DateTimeOffset? AcceptedAt);
