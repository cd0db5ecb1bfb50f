namespace Veil.Storage.Metadata;

/// <summary>A person's TOTP factor: the shared secret wrapped by the master key, and the last time step used (replay guard).</summary>
public sealed record TotpFactorRecord(long UserId, byte[] WrappedSecret, bool Confirmed, long LastStep, DateTimeOffset CreatedAt);
