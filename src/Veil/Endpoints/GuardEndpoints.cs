using Veil.Access;
using Veil.Hosting;
using Veil.Security.Access;
using Veil.Security.Guard;
using Veil.Security.Ledger;
using Veil.Storage.Metadata;

namespace Veil.Endpoints;

/// <summary>
/// The exfiltration guard for a project's owners: its alerts and suspensions (owner or auditor), and lifting a
/// suspension (owner or admin with a fresh step-up), which is itself recorded on the access ledger.
/// </summary>
public static class GuardEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        // Alerts hold credential/principal ids and counts, never PII: the ledger's readers (owner, auditor) see them.
        app.MapGet("/api/projects/{id:int}/guard/alerts", AlertsAsync).RequireVeil(Permission.ReadLedger).RequireRateLimiting(RateLimits.Api);
        // Lifting a suspension re-arms a credential that was caught reading too much: owner or admin, fresh step-up.
        app.MapPost("/api/projects/{id:int}/guard/reenable", ReenableAsync).RequireVeil(Permission.ManageCredentials).RequireRateLimiting(RateLimits.Api);
    }

    private static async Task<IResult> AlertsAsync(HttpContext context, int id, BannerGuardAlertSink banner, IAccountStore accounts, ReadRecorder recorder)
    {
        var alerts = banner.Active.Where(a => a.Project == id).Select(a => new
        {
            time = a.Time,
            kind = a.Kind == GuardAlertKind.BudgetExceeded ? "budget-exceeded" : "spike",
            subject = AccountSuspensionStore.Name(a.Subject),
            id = a.Id,
            message = a.Message,
        }).ToList();
        // Suspensions outlive the in-memory banner (they are in meta.db), so they are listed on their own.
        var suspensions = accounts.ListSuspensions().Where(s => Parse(s.Subject) is { } subject && BelongsTo(id, subject, s.Id, accounts, banner)).Select(s => new
        {
            subject = s.Subject,
            id = s.Id,
            reason = s.Reason,
            suspended_at = s.At,
        }).ToList();
        if (!await recorder.RecordAsync(context, "guard.alerts", id, "", [new("guard alerts (ids and counts)", DataClassification.Aggregate)], alerts.Count + suspensions.Count, [])) return Results.Empty;
        return Results.Json(new { project = id, alerts, suspensions });
    }

    private static async Task<IResult> ReenableAsync(HttpContext context, int id, ExfiltrationGuard guard, BannerGuardAlertSink banner, IAccountStore accounts, ReadRecorder recorder)
    {
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return Results.Empty;
        var kind = form.String("kind", 16, out var problem);
        var target = problem is null ? form.String("id", 256, out problem) : null;
        if (problem is not null) return Problems.Result(400, "Bad request", problem);
        if (Parse(kind!) is not { } subject) return Problems.Result(400, "Bad request", "`kind` is \"credential\" or \"principal\".");
        // Not found rather than forbidden for another project's suspensions: their existence is not this owner's business.
        if (!guard.IsSuspended(subject, target!) || !BelongsTo(id, subject, target!, accounts, banner))
        {
            return Problems.Result(404, "Not found", $"No suspended {kind} \"{target}\" in project {id}.");
        }
        // On the ledger first: if it cannot be recorded, the suspension stays.
        if (!await recorder.RecordAsync(context, "guard.reenable", id, $"{kind}={target}", [new("suspension", DataClassification.Aggregate)], 0, [])) return Results.Empty;
        guard.Reenable(subject, target!);
        banner.Dismiss(subject, target!);
        return Results.Json(new { project = id, reenabled = new { kind, id = target } });
    }

    private static GuardSubject? Parse(string kind) => kind switch
    {
        "credential" => GuardSubject.Credential,
        "principal" => GuardSubject.Principal,
        _ => null,
    };

    /// <summary>
    /// Whether a credential or principal is this project's to re-enable: an alert raised by a read of the project, its
    /// service account, its project secret or token, or (principals) one of its members.
    /// </summary>
    private static bool BelongsTo(int project, GuardSubject subject, string id, IAccountStore accounts, BannerGuardAlertSink banner)
    {
        if (banner.Active.Any(a => a.Subject == subject && a.Id == id && a.Project == project)) return true;
        if (id == $"project-secret:{project}" || id == $"project-token:{project}") return true;
        if (id.StartsWith("project-", StringComparison.Ordinal) || id.StartsWith("session:", StringComparison.Ordinal)) return false;
        if (id.StartsWith("person:", StringComparison.Ordinal))
        {
            return subject == GuardSubject.Principal && long.TryParse(id["person:".Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var user)
                && accounts.ListMemberships(user).Any(m => m.ProjectId == project);
        }
        // A service account: principal `service-account:NAME`, credential `NAME`.
        var name = subject == GuardSubject.Principal
            ? id.StartsWith("service-account:", StringComparison.Ordinal) ? id["service-account:".Length..] : null
            : id;
        return name is not null && accounts.FindScopedServiceAccount(name)?.ProjectId == project;
    }
}
