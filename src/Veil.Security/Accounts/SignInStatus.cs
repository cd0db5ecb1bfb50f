namespace Veil.Security.Accounts;

/// <summary>What a sign-in attempt came to.</summary>
public enum SignInStatus
{
    SignedIn,
    /// <summary>Wrong email or password (the same answer for both, on purpose).</summary>
    Invalid,
    /// <summary>Too many failures: wait.</summary>
    Throttled,
}
