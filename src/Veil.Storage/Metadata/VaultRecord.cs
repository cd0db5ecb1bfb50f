namespace Veil.Storage.Metadata;

/// <summary>One person's encrypted PII: their data key wrapped by the project key-encryption key, and the ciphertext.</summary>
public sealed record VaultRecord(int ProjectId, byte[] Subject, byte[] WrappedDataKey, byte[] Ciphertext, DateTimeOffset UpdatedAt);
