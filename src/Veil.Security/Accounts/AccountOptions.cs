using Veil.Security.Passwords;

namespace Veil.Security.Accounts;

/// <summary>Session lifetimes, throttling and password-hash cost.</summary>
public sealed class AccountOptions
{
    /// <summary>Argon2id cost; OWASP's by default. Tests may pass <see cref="Argon2idCost.InsecureForTestsOnly"/>.</summary>
    public Argon2idCost PasswordCost { get; init; } = Argon2idCost.Owasp;
    /// <summary>A session unused this long is over.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>A session is over this long after sign-in, however active.</summary>
    public TimeSpan AbsoluteTimeout { get; init; } = TimeSpan.FromHours(12);
    /// <summary>Consecutive failures (per email, or per person for MFA codes) before a lockout.</summary>
    public int FailuresBeforeLockout { get; init; } = 5;
    /// <summary>First lockout; each further failure doubles it, up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan FirstLockout { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan MaxLockout { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>How long an invitation can be accepted.</summary>
    public TimeSpan InvitationLifetime { get; init; } = TimeSpan.FromDays(7);
}
