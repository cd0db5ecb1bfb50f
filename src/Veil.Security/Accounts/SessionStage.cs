namespace Veil.Security.Accounts;

/// <summary>How far a session has got: until it is <see cref="Full"/>, it reaches only the step it is at.</summary>
public enum SessionStage
{
    /// <summary>Signed in with a one-time password: may only set a new password.</summary>
    PasswordChange,
    /// <summary>Has a role that needs MFA but no factor yet: may only enrol one.</summary>
    MfaEnrolment,
    /// <summary>Has a factor: must show it before anything else.</summary>
    MfaVerify,
    Full,
}
