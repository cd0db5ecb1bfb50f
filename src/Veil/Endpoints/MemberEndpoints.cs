using System.Security.Cryptography;
using Veil.Access;
using Veil.Hosting;
using Veil.Security.Access;
using Veil.Security.Accounts;
using Veil.Security.Ledger;
using Veil.Storage.Metadata;

namespace Veil.Endpoints;

/// <summary>Members, invitations and service accounts of a project. Listing is <c>admin</c>; changing is credential management (step-up).</summary>
public static class MemberEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/projects/{id:int}/members", ListMembers).RequireVeil(Permission.Admin).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/projects/{id:int}/invitations", InviteAsync).RequireVeil(Permission.ManageCredentials).RequireRateLimiting(RateLimits.Api);
        app.MapDelete("/api/projects/{id:int}/members/{userId:long}", RemoveMember).RequireVeil(Permission.ManageCredentials).RequireRateLimiting(RateLimits.Api);
        app.MapGet("/api/projects/{id:int}/service-accounts", ListServiceAccounts).RequireVeil(Permission.Admin).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/projects/{id:int}/service-accounts", CreateServiceAccountAsync).RequireVeil(Permission.ManageCredentials).RequireRateLimiting(RateLimits.Api);
        app.MapDelete("/api/projects/{id:int}/service-accounts/{username}", DeleteServiceAccount).RequireVeil(Permission.ManageCredentials).RequireRateLimiting(RateLimits.Api);
    }

    // Admin views of people and credentials are reads too: recorded on the access ledger before they are answered.
    private static async Task<IResult> ListMembers(HttpContext context, int id, AccountService accounts, ReadRecorder recorder)
    {
        var members = accounts.Store.ListMembers(id).Select(m => new { user_id = m.UserId, email = accounts.Store.FindUser(m.UserId)?.Email, role = m.Role }).ToList();
        if (!await recorder.RecordAsync(context, "admin.members", id, "", [new("staff accounts", DataClassification.Aggregate)], members.Count, [])) return Results.Empty;
        return Results.Json(new { project = id, members });
    }

    private static async Task<IResult> InviteAsync(HttpContext context, int id, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var email = form.String("email", 254, out var problem);
        var roleText = problem is null ? form.String("role", 16, out problem) : null;
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        if (!AccountService.TryNormaliseEmail(email, out var normalised)) return Problems.Result(400, "Bad request", "`email` is not an email address.");
        if (!RoleNames.TryParse(roleText, out var role)) return Problems.Result(400, "Bad request", "`role` is one of owner, admin, analyst, viewer, auditor.");
        if (role == Role.Owner && context.GetVeilPrincipal()!.Role != Role.Owner) return Problems.Result(403, "Forbidden", "Only an owner can invite an owner.");
        var token = SessionTokens.Base64Url(RandomNumberGenerator.GetBytes(32));
        var expires = accounts.Now + accounts.Options.InvitationLifetime;
        accounts.Store.CreateInvitation(new InvitationRecord(SessionTokens.Hash(token), normalised, id, RoleNames.Format(role), expires, null));
        return Results.Json(new { token, email = normalised, role = RoleNames.Format(role), expires_at = expires, accept = "POST /api/auth/invitations/accept {\"token\",\"password\"}" }, statusCode: 201);
    }

    private static IResult RemoveMember(HttpContext context, int id, long userId, AccountService accounts)
    {
        var members = accounts.Store.ListMembers(id);
        var target = members.FirstOrDefault(m => m.UserId == userId);
        if (target is null) return Problems.Result(404, "Not found", $"Person {userId} is not a member of project {id}.");
        if (target.Role == "owner" && context.GetVeilPrincipal()!.Role != Role.Owner) return Problems.Result(403, "Forbidden", "Only an owner can remove an owner.");
        if (target.Role == "owner" && members.Count(m => m.Role == "owner") == 1) return Problems.Result(409, "Last owner", "A project keeps at least one owner.");
        accounts.Store.RemoveMembership(userId, id);
        return Results.NoContent();
    }

    private static async Task<IResult> ListServiceAccounts(HttpContext context, int id, AccountService accounts, ReadRecorder recorder)
    {
        var list = accounts.Store.ListServiceAccounts(id).Select(a => new
        {
            username = a.Username,
            scopes = ScopeNames.Format(ScopeNames.ParseStored(a.Scopes)),
            expires_at = a.ExpiresAt,
            allow_ips = a.AllowedIps,
            last_used_at = a.LastUsedAt,
            created_at = a.CreatedAt,
        }).ToList();
        if (!await recorder.RecordAsync(context, "admin.service-accounts", id, "", [new("credentials (no secrets)", DataClassification.Aggregate)], list.Count, [])) return Results.Empty;
        return Results.Json(new { project = id, service_accounts = list });
    }

    private static async Task<IResult> CreateServiceAccountAsync(HttpContext context, int id, AccountService accounts)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var username = form.String("username", 64, out var problem);
        var scopes = problem is null ? form.Strings("scopes", 32, out problem) : null;
        var allowIps = problem is null ? form.Strings("allow_ips", 64, out problem) : null;
        var expiresText = problem is null ? form.String("expires_at", 40, out problem, required: false) : null;
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        DateTimeOffset? expires = null;
        if (expiresText is not null)
        {
            if (!DateTimeOffset.TryParse(expiresText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Problems.Result(400, "Bad request", "`expires_at` must be an ISO 8601 date-time.");
            }
            expires = parsed;
        }
        try
        {
            var secret = ServiceAccountIssuer.Create(accounts.Store, id, username!, scopes!, expires, allowIps!, accounts.Now);
            return Results.Json(new { username, secret, note = "The secret is shown once. Use HTTP Basic username:secret." }, statusCode: 201);
        }
        catch (ArgumentException e)
        {
            return Problems.Result(400, "Bad request", e.Message);
        }
        catch (InvalidOperationException e)
        {
            return Problems.Result(409, "Conflict", e.Message);
        }
    }

    private static IResult DeleteServiceAccount(int id, string username, AccountService accounts) =>
        accounts.Store.DeleteServiceAccount(id, username) ? Results.NoContent() : Problems.Result(404, "Not found", $"No service account \"{username}\" in project {id}.");
}
