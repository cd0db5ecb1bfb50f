namespace Veil.Security.Accounts;

/// <summary>The outcome of one second-factor check.</summary>
public enum MfaCheck
{
    Passed,
    Failed,
    Throttled,
}
