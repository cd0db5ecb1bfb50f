namespace Veil.Storage.Metadata;

/// <summary>A project as the metadata store keeps it. Keys are wrapped by the master key; the secret only as a hash.</summary>
public sealed record ProjectRecord(
    int Id,
    string Name,
    string Token,
    byte[] SecretHash,
    byte[] WrappedPseudonymKey,
    byte[] WrappedKeyEncryptionKey,
    DateTimeOffset CreatedAt);
