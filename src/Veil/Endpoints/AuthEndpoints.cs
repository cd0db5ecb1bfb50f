using Veil.Access;
using Veil.Hosting;
using Veil.Security.Access;
using Veil.Security.Accounts;
using Veil.Security.Mfa;
using Veil.Storage.Metadata;

namespace Veil.Endpoints;

/// <summary>
/// The account API for people: sign-in/out, session, password, TOTP enrolment and verification, recovery codes, step-up,
/// invitations. JSON in, JSON out; the session travels only in the HttpOnly cookie, the CSRF token in a header.
/// </summary>
public static class AuthEndpoints
{
    private static readonly SessionStage[] AnyStage = [SessionStage.PasswordChange, SessionStage.MfaEnrolment, SessionStage.MfaVerify, SessionStage.Full];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/signin", SignInAsync).AllowVeilPublic("signing in").RequireRateLimiting(RateLimits.SignIn);
        app.MapPost("/api/auth/invitations/accept", AcceptInvitationAsync).AllowVeilPublic("the invitation token is the credential").RequireRateLimiting(RateLimits.SignIn);
        app.MapGet("/api/auth/session", GetSession).RequireVeilSession(AnyStage).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/auth/signout", SignOut).RequireVeilSession(AnyStage).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/auth/signout-everywhere", SignOutEverywhere).RequireVeilSession().RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/auth/password", ChangePasswordAsync).RequireVeilSession(SessionStage.PasswordChange, SessionStage.Full).RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/mfa/totp/enrol", EnrolTotp).RequireVeilSession(SessionStage.MfaEnrolment, SessionStage.Full).RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/mfa/totp/confirm", ConfirmTotpAsync).RequireVeilSession(SessionStage.MfaEnrolment, SessionStage.Full).RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/mfa/verify", VerifyAsync).RequireVeilSession(SessionStage.MfaVerify).RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/step-up", StepUpAsync).RequireVeilSession().RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/mfa/recovery-codes", NewRecoveryCodes).RequireVeilSession().RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/passkeys/register/options", BeginPasskeyRegistration).RequireVeilSession(SessionStage.MfaEnrolment, SessionStage.Full).RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/passkeys/register", FinishPasskeyRegistrationAsync).RequireVeilSession(SessionStage.MfaEnrolment, SessionStage.Full).RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/passkeys/assert/options", BeginPasskeyAssertion).RequireVeilSession(SessionStage.MfaVerify, SessionStage.Full).RequireRateLimiting(RateLimits.Mfa);
        app.MapPost("/api/auth/passkeys/assert", FinishPasskeyAssertionAsync).RequireVeilSession(SessionStage.MfaVerify, SessionStage.Full).RequireRateLimiting(RateLimits.Mfa);
    }

    private static IResult BeginPasskeyRegistration(HttpContext context, AccountService accounts, PasskeyCeremonies passkeys)
    {
        var session = context.GetVeilSession()!;
        if (session.Stage == SessionStage.Full && accounts.HasFactor(session.User.Id) && !SteppedUp(session, accounts))
        {
            return Problems.Result(403, "Step-up required", "Adding a factor needs a check of an existing one within 5 minutes: POST /api/auth/step-up.");
        }
        return Results.Text(passkeys.BeginRegistration(session), "application/json");
    }

    private static async Task<IResult> FinishPasskeyRegistrationAsync(HttpContext context, AccountService accounts, PasskeyCeremonies passkeys)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var name = form.String("name", 64, out var problem, required: false) ?? "passkey";
        var hasCredential = form.Root.TryGetProperty("credential", out var credential) && credential.ValueKind == System.Text.Json.JsonValueKind.Object;
        if (problem is null && !hasCredential)
        {
            problem = "`credential` must be the PublicKeyCredential from navigator.credentials.create(), as JSON.";
        }
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        var session = context.GetVeilSession()!;
        if (await passkeys.FinishRegistrationAsync(session, credential.GetRawText(), name, context.RequestAborted) is { } refused) return Problems.Result(400, "Passkey not registered", refused);
        if (session.Stage != SessionStage.MfaEnrolment) return Results.Json(new { stage = Stage(session.Stage), registered = name });
        // Enrolment done: the new passkey counts as this session's second factor.
        var issued = accounts.Rotate(session, MfaLevel.Passkey, accounts.Now);
        SessionCookie.Write(context, issued, accounts.Options);
        return Results.Json(new { stage = Stage(issued.Stage), csrf = issued.CsrfToken, registered = name, recovery_codes = accounts.Store.CountRecoveryCodes(session.User.Id) == 0 ? accounts.NewRecoveryCodes(session.User.Id) : null });
    }

    private static IResult BeginPasskeyAssertion(HttpContext context, PasskeyCeremonies passkeys) =>
        passkeys.BeginAssertion(context.GetVeilSession()!) is { } json
            ? Results.Text(json, "application/json")
            : Problems.Result(409, "No passkey", "You have no passkey; register one or use your TOTP code.");

    private static async Task<IResult> FinishPasskeyAssertionAsync(HttpContext context, AccountService accounts, PasskeyCeremonies passkeys)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        if (!form.Root.TryGetProperty("credential", out var credential) || credential.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return Problems.Result(400, "Bad request", "`credential` must be the PublicKeyCredential from navigator.credentials.get(), as JSON.");
        }
        var session = context.GetVeilSession()!;
        if (accounts.MfaThrottled(session.User.Id)) return Throttled();
        if (await passkeys.FinishAssertionAsync(session, credential.GetRawText(), context.RequestAborted) is { } refused)
        {
            accounts.MfaFailed(session.User.Id);
            return Problems.Result(401, "Passkey check failed", refused);
        }
        accounts.MfaSucceeded(session.User.Id);
        if (session.Stage == SessionStage.MfaVerify) return Issue(context, accounts, accounts.Rotate(session, MfaLevel.Passkey, accounts.Now));
        var now = accounts.Now;
        accounts.Store.UpdateSession(session.Record with { StepUpAt = now, LastSeenAt = now, MfaLevel = MfaLevel.Passkey.ToString() });
        return Results.Json(new { step_up_valid_until = now + AccessRules.StepUpWindow });
    }

    private static async Task<IResult> SignInAsync(HttpContext context, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var email = form.String("email", 254, out var problem);
        var password = problem is null ? form.String("password", 1024, out problem) : null;
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        var result = accounts.SignIn(email!, password!);
        switch (result.Status)
        {
            case SignInStatus.Throttled:
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(result.RetryAfter!.Value.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Problems.Result(429, "Too many attempts", "Too many failed sign-ins for this email; wait and try again.");
            case SignInStatus.Invalid:
                return Problems.Result(401, "Unauthorized", "Wrong email or password.");
        }
        // A new session every sign-in; any session the browser still had is ended (no fixation).
        if (accounts.Resolve(SessionCookie.Read(context)) is { } old) accounts.SignOut(old);
        return Issue(context, accounts, result.Session!);
    }

    private static IResult GetSession(HttpContext context, AccountService accounts)
    {
        var session = context.GetVeilSession()!;
        var userId = session.User.Id;
        var totp = accounts.Store.FindTotpFactor(userId);
        return Results.Json(new
        {
            email = session.User.Email,
            stage = Stage(session.Stage),
            mfa = session.Mfa.ToString().ToLowerInvariant(),
            step_up_age_seconds = session.Record.StepUpAt is { } at ? (long?)(accounts.Now - at).TotalSeconds : null,
            csrf = SessionTokens.CsrfTokenOf(session.Token),
            projects = accounts.Store.ListMemberships(userId).Select(m => new { id = m.ProjectId, role = m.Role }),
            factors = new { totp = totp is { Confirmed: true }, passkeys = accounts.Store.ListPasskeys(userId).Count, recovery_codes_left = accounts.Store.CountRecoveryCodes(userId) },
        });
    }

    private static IResult SignOut(HttpContext context, AccountService accounts)
    {
        accounts.SignOut(context.GetVeilSession()!);
        SessionCookie.Clear(context);
        return Results.NoContent();
    }

    private static IResult SignOutEverywhere(HttpContext context, AccountService accounts)
    {
        accounts.SignOutEverywhere(context.GetVeilSession()!.User.Id);
        SessionCookie.Clear(context);
        return Results.NoContent();
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var current = form.String("current", 1024, out var problem);
        var next = problem is null ? form.String("new", 1024, out problem) : null;
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        var session = context.GetVeilSession()!;
        if (accounts.ChangePassword(session.User, current!, next!) is { } refused) return Problems.Result(400, "Password not changed", refused);
        // Other sessions end with the old password; this one continues under a new id.
        accounts.SignOutEverywhere(session.User.Id);
        return Issue(context, accounts, accounts.Rotate(session, session.Mfa, session.Record.StepUpAt));
    }

    private static IResult EnrolTotp(HttpContext context, AccountService accounts)
    {
        var session = context.GetVeilSession()!;
        if (session.Stage == SessionStage.Full && accounts.HasFactor(session.User.Id) && !SteppedUp(session, accounts))
        {
            return Problems.Result(403, "Step-up required", "Adding a factor needs a check of an existing one within 5 minutes: POST /api/auth/step-up.");
        }
        byte[] secret;
        try
        {
            secret = accounts.BeginTotpEnrolment(session.User.Id);
        }
        catch (InvalidOperationException e)
        {
            return Problems.Result(409, "Already enrolled", e.Message);
        }
        return Results.Json(new { secret = TotpCodes.ToBase32(secret), uri = TotpCodes.Uri(secret, session.User.Email), next = "POST /api/auth/mfa/totp/confirm with {\"code\":\"123456\"}" });
    }

    private static async Task<IResult> ConfirmTotpAsync(HttpContext context, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var code = form.String("code", 16, out var problem);
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        var session = context.GetVeilSession()!;
        if (accounts.MfaThrottled(session.User.Id)) return Throttled();
        if (accounts.Store.FindTotpFactor(session.User.Id) is not { Confirmed: false }) return Problems.Result(409, "Nothing to confirm", "Start with POST /api/auth/mfa/totp/enrol.");
        var recovery = accounts.ConfirmTotp(session.User.Id, code!.Trim());
        if (recovery is null) return Problems.Result(400, "Wrong code", "That code does not match; check the authenticator's clock and enter the current code.");
        var issued = accounts.Rotate(session, MfaLevel.Totp, accounts.Now);
        SessionCookie.Write(context, issued, accounts.Options);
        return Results.Json(new { recovery_codes = recovery, stage = Stage(issued.Stage), csrf = issued.CsrfToken });
    }

    private static async Task<IResult> VerifyAsync(HttpContext context, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var code = form.String("code", 16, out var problem, required: false);
        var recoveryCode = problem is null ? form.String("recovery_code", 64, out problem, required: false) : null;
        if (problem is null && (code is null) == (recoveryCode is null)) problem = "Send either `code` (TOTP) or `recovery_code`.";
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        var session = context.GetVeilSession()!;
        var (check, level) = code is not null
            ? (accounts.VerifyTotp(session.User.Id, code.Trim()), MfaLevel.Totp)
            : (accounts.UseRecoveryCode(session.User.Id, recoveryCode!), MfaLevel.RecoveryCode);
        if (check == MfaCheck.Throttled) return Throttled();
        if (check == MfaCheck.Failed) return Problems.Result(401, "Wrong code", "That code is wrong, expired or already used.");
        // A recovery code completes sign-in but is no step-up: exports and PII still need a TOTP or passkey check.
        return Issue(context, accounts, accounts.Rotate(session, level, level == MfaLevel.RecoveryCode ? null : accounts.Now));
    }

    private static async Task<IResult> StepUpAsync(HttpContext context, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var code = form.String("code", 16, out var problem);
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        var session = context.GetVeilSession()!;
        var check = accounts.VerifyTotp(session.User.Id, code!.Trim());
        if (check == MfaCheck.Throttled) return Throttled();
        if (check == MfaCheck.Failed) return Problems.Result(401, "Wrong code", "That code is wrong, expired or already used.");
        var now = accounts.Now;
        accounts.Store.UpdateSession(session.Record with { StepUpAt = now, LastSeenAt = now, MfaLevel = MfaLevel.Totp.ToString() });
        return Results.Json(new { step_up_valid_until = now + AccessRules.StepUpWindow });
    }

    private static IResult NewRecoveryCodes(HttpContext context, AccountService accounts)
    {
        var session = context.GetVeilSession()!;
        if (!accounts.HasFactor(session.User.Id)) return Problems.Result(409, "No factor", "Enrol a second factor first.");
        if (!SteppedUp(session, accounts)) return Problems.Result(403, "Step-up required", "New recovery codes need a TOTP or passkey check within 5 minutes: POST /api/auth/step-up.");
        return Results.Json(new { recovery_codes = accounts.NewRecoveryCodes(session.User.Id) });
    }

    private static async Task<IResult> AcceptInvitationAsync(HttpContext context, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var token = form.String("token", 128, out var problem);
        var password = problem is null ? form.String("password", 1024, out problem) : null;
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        var invitation = accounts.Store.FindInvitation(SessionTokens.Hash(token!));
        if (invitation is null || invitation.AcceptedAt is not null || invitation.ExpiresAt <= accounts.Now)
        {
            return Problems.Result(400, "Invalid invitation", "This invitation does not exist, was used or has expired; ask for a new one.");
        }
        var existing = accounts.Store.FindUserByEmail(invitation.Email);
        UserRecord person;
        if (existing is null)
        {
            if (Security.Passwords.PasswordRules.Check(password!, invitation.Email) is { } weak) return Problems.Result(400, "Weak password", weak);
            if (!accounts.Store.AcceptInvitation(invitation.TokenHash, accounts.Now)) return Problems.Result(400, "Invalid invitation", "This invitation was just used.");
            person = accounts.CreatePerson(invitation.Email, password!);
        }
        else
        {
            // The invitee already has an account: the password must be theirs, and it is not changed.
            if (!accounts.Hasher.Verify(password!, existing.PasswordHash, out _)) return Problems.Result(401, "Unauthorized", "This email already has an account; send its password.");
            if (!accounts.Store.AcceptInvitation(invitation.TokenHash, accounts.Now)) return Problems.Result(400, "Invalid invitation", "This invitation was just used.");
            person = existing;
        }
        accounts.Store.SetMembership(person.Id, invitation.ProjectId, invitation.Role);
        return Results.Json(new { email = person.Email, project = invitation.ProjectId, role = invitation.Role, next = "POST /api/auth/signin" });
    }

    private static IResult Issue(HttpContext context, AccountService accounts, IssuedSession issued)
    {
        SessionCookie.Write(context, issued, accounts.Options);
        return Results.Json(new { stage = Stage(issued.Stage), csrf = issued.CsrfToken, next = NextStep(issued.Stage) });
    }

    private static bool SteppedUp(SessionState session, AccountService accounts) =>
        session.Record.StepUpAt is { } at && accounts.Now - at <= AccessRules.StepUpWindow;

    private static IResult Throttled() => Problems.Result(429, "Too many attempts", "Too many wrong codes; wait a minute and try again.");

    private static string Stage(SessionStage stage) => stage switch
    {
        SessionStage.PasswordChange => "password_change",
        SessionStage.MfaEnrolment => "mfa_enrolment",
        SessionStage.MfaVerify => "mfa_verify",
        _ => "full",
    };

    private static string? NextStep(SessionStage stage) => stage switch
    {
        SessionStage.PasswordChange => "POST /api/auth/password {\"current\",\"new\"}",
        SessionStage.MfaEnrolment => "POST /api/auth/mfa/totp/enrol, then /api/auth/mfa/totp/confirm {\"code\"}",
        SessionStage.MfaVerify => "POST /api/auth/mfa/verify {\"code\"} or {\"recovery_code\"}",
        _ => null,
    };
}
