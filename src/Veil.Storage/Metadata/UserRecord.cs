namespace Veil.Storage.Metadata;

/// <summary>A person who can sign in: email and an Argon2id password hash (PHC string), never the password.</summary>
public sealed record UserRecord(long Id, string Email, string PasswordHash, bool MustChangePassword, DateTimeOffset CreatedAt);
