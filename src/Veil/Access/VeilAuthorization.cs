using Veil.Hosting;
using Veil.Security.Access;
using Veil.Security.Accounts;
using Veil.Security.Guard;

namespace Veil.Access;

/// <summary>
/// The authorization layer every endpoint goes through. It reads the endpoint's <see cref="VeilAccess"/>, resolves the
/// principal (session cookie for people, HTTP Basic for credentials), checks the project role or credential scopes,
/// MFA, step-up and CSRF, and puts the <see cref="VeilPrincipal"/> in the request's features for the handler and the
/// access ledger. Endpoints without a rule are refused (fail closed).
/// </summary>
public sealed class VeilAuthorization(RequestDelegate next, ILogger<VeilAuthorization> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            await next(context);
            return;
        }
        var access = endpoint.Metadata.GetMetadata<VeilAccess>();
        if (access is null && endpoint is not RouteEndpoint && endpoint.Metadata.Count == 0)
        {
            // Routing's own answer to a known path with the wrong method (405 with an Allow header): it runs no Veil
            // code and reveals only the methods, so it needs no rule; every mapped endpoint is a RouteEndpoint.
            await next(context);
            return;
        }
        if (access is null)
        {
            logger.LogError("Endpoint {Endpoint} has no Veil authorization rule; refusing it.", endpoint.DisplayName);
            await Problems.Write(context, 403, "Forbidden", "This endpoint has no authorization rule, so nobody may use it.");
            return;
        }
        if (access.Kind is VeilAccessKind.Public or VeilAccessKind.Ingestion)
        {
            await next(context);
            return;
        }
        var refusal = access.Kind == VeilAccessKind.Session ? AuthorizeSession(context, access) : AuthorizeProject(context, access.Permission!.Value);
        if (refusal is { } r)
        {
            if (r.Status == 401 && access.Kind == VeilAccessKind.Project) context.Response.Headers.WWWAuthenticate = "Basic realm=\"veil\"";
            await Problems.Write(context, r.Status, r.Title, r.Detail);
            return;
        }
        // Signing out stays possible: it only ends the suspended person's own sessions.
        if (context.Request.Path.Value is not ("/api/auth/signout" or "/api/auth/signout-everywhere") && Suspended(context) is { } suspended)
        {
            await Problems.Write(context, 403, "Suspended", suspended);
            return;
        }
        await next(context);
    }

    private static Refusal? AuthorizeSession(HttpContext context, VeilAccess access)
    {
        var session = ResolveSession(context, out var refusal);
        if (session is null) return refusal;
        if (!access.Stages.Contains(session.Stage)) return NextStep(session.Stage);
        context.Features.Set(PersonPrincipal(context, session, null, null));
        return null;
    }

    private static Refusal? AuthorizeProject(HttpContext context, Permission permission)
    {
        if (!int.TryParse((context.Request.RouteValues["id"] ?? context.Request.RouteValues["projectId"])?.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var projectId))
        {
            return new(403, "Forbidden", "This endpoint names no project.");
        }
        if (context.Request.Headers.Authorization.Count > 0)
        {
            var outcome = context.RequestServices.GetRequiredService<CredentialAuthenticator>().Authenticate(context, projectId, allowToken: false);
            if (outcome.Principal is null) return new(401, "Unauthorized", outcome.Failure!);
            if (!AccessRules.ScopesGrant(outcome.Principal.Scopes, permission))
            {
                var scopes = ScopeNames.Format(outcome.Principal.Scopes);
                return new(403, "Forbidden", $"This credential's scopes ({(scopes.Count == 0 ? "none" : string.Join(' ', scopes))}) do not allow {Describe(permission)}.");
            }
            context.Features.Set(outcome.Principal);
            return null;
        }
        var session = ResolveSession(context, out var refusal);
        if (session is null) return refusal;
        if (session.Stage != SessionStage.Full) return NextStep(session.Stage);
        var accounts = context.RequestServices.GetRequiredService<AccountService>();
        var membership = accounts.Store.ListMemberships(session.User.Id).FirstOrDefault(m => m.ProjectId == projectId);
        if (membership is null || !RoleNames.TryParse(membership.Role, out var role))
        {
            return new(403, "Forbidden", $"You are not a member of project {projectId}.");
        }
        if (!AccessRules.RoleGrants(role, permission)) return new(403, "Forbidden", $"The {RoleNames.Format(role)} role does not allow {Describe(permission)}.");
        // A role that can see individuals needs MFA even if it was granted after this session began.
        if (AccessRules.RoleNeedsMfa(role) && session.Mfa == MfaLevel.None)
        {
            return new(403, "MFA required", "Your role can see individual-level data: enrol a second factor at /api/auth/mfa/totp/enrol first.");
        }
        var principal = PersonPrincipal(context, session, projectId, role);
        if (AccessRules.NeedsStepUp(permission) && (principal.StepUpAge(accounts.Now) is not { } age || age > AccessRules.StepUpWindow))
        {
            return new(403, "Step-up required", $"{char.ToUpperInvariant(Describe(permission)[0])}{Describe(permission)[1..]} needs a passkey or TOTP check within the last {AccessRules.StepUpWindow.TotalMinutes:0} minutes: POST /api/auth/step-up.");
        }
        context.Features.Set(principal);
        return null;
    }

    /// <summary>The session behind the cookie, with CSRF checked on unsafe methods.</summary>
    private static SessionState? ResolveSession(HttpContext context, out Refusal? refusal)
    {
        refusal = null;
        var token = SessionCookie.Read(context);
        var session = context.RequestServices.GetRequiredService<AccountService>().Resolve(token);
        if (session is null)
        {
            refusal = new(401, "Unauthorized", token is null ? "Sign in first (POST /api/auth/signin), or send credentials." : "Your session has ended; sign in again.");
            return null;
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method))
        {
            if (!SessionTokens.CsrfMatches(session.Token, context.Request.Headers[SessionCookie.CsrfHeader].ToString()))
            {
                refusal = new(403, "CSRF check failed", $"Send the session's CSRF token (the `csrf` of GET /api/auth/session) in the {SessionCookie.CsrfHeader} header.");
                return null;
            }
            var origin = context.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
            {
                refusal = new(403, "CSRF check failed", "Cross-origin requests may not use the session cookie.");
                return null;
            }
        }
        context.Features.Set(session);
        return session;
    }

    private static VeilPrincipal PersonPrincipal(HttpContext context, SessionState session, int? projectId, Role? role) =>
        new(PrincipalKind.Person, $"person:{session.User.Id}", "session:" + Convert.ToHexStringLower(session.Record.IdHash)[..16], projectId, role,
            CredentialScopes.None, session.Mfa, session.Record.StepUpAt, context.Connection.RemoteIpAddress)
        { PersonId = session.User.Id };

    /// <summary>Why the request's credential or principal may do nothing at all, if the exfiltration guard suspended it.</summary>
    private static string? Suspended(HttpContext context)
    {
        if (context.Features.Get<VeilPrincipal>() is not { } principal) return null;
        var guard = context.RequestServices.GetRequiredService<ExfiltrationGuard>();
        if (guard.IsSuspended(GuardSubject.Credential, principal.CredentialId ?? principal.PrincipalId))
        {
            return "This credential is suspended by the exfiltration guard; an owner must re-enable it (it crossed a read budget).";
        }
        return guard.IsSuspended(GuardSubject.Principal, principal.PrincipalId)
            ? "This account is suspended by the exfiltration guard; an owner must re-enable it (it crossed a read budget)."
            : null;
    }

    private static Refusal NextStep(SessionStage stage) => stage switch
    {
        SessionStage.PasswordChange => new(403, "Password change required", "Set a new password first: POST /api/auth/password."),
        SessionStage.MfaEnrolment => new(403, "MFA enrolment required", "Enrol a second factor first: POST /api/auth/mfa/totp/enrol, then /api/auth/mfa/totp/confirm."),
        SessionStage.MfaVerify => new(403, "MFA required", "Show your second factor first: POST /api/auth/mfa/verify."),
        _ => new(403, "Forbidden", "Not available to a fully signed-in session."),
    };

    private static string Describe(Permission permission) => permission switch
    {
        Permission.Import => "importing events",
        Permission.ReadAggregate => "aggregate reads",
        Permission.ReadIndividual => "individual-level reads",
        Permission.ReadVaultPii => "reading vault PII",
        Permission.Export => "exports",
        Permission.Admin => "project administration",
        Permission.ManageCredentials => "managing members and credentials",
        Permission.ReadLedger => "reading the access ledger",
        _ => permission.ToString(),
    };

    private readonly record struct Refusal(int Status, string Title, string Detail);
}
