namespace Veil.Security.Accounts;

/// <summary>A sign-in's outcome: on success, the new session (its token is shown only to the client, as a cookie).</summary>
public sealed record SignInResult(SignInStatus Status, IssuedSession? Session, TimeSpan? RetryAfter);
