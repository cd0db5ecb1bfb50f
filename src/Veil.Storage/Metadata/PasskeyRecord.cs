namespace Veil.Storage.Metadata;

/// <summary>A WebAuthn passkey: credential id, COSE public key and signature counter (a counter that goes back means a cloned key).</summary>
public sealed record PasskeyRecord(byte[] CredentialId, long UserId, byte[] PublicKey, uint SignCount, byte[] UserHandle, string Name, DateTimeOffset CreatedAt);
