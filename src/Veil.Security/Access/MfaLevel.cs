namespace Veil.Security.Access;

/// <summary>The strongest second factor a session has shown.</summary>
public enum MfaLevel
{
    None,
    Totp,
    RecoveryCode,
    Passkey,
}
