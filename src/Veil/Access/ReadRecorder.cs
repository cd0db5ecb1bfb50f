using System.Net;
using Veil.Core.Privacy;
using Veil.Hosting;
using Veil.Security.Access;
using Veil.Security.Guard;
using Veil.Security.Ledger;

namespace Veil.Access;

/// <summary>
/// Promise 3 for the HTTP read paths: a handler computes its answer, then asks this to record the read; only when the
/// exfiltration guard allows it and the access ledger has it durably does the handler send a byte. Otherwise this
/// writes the refusal (403 over budget or suspended, 503 when the ledger cannot record) and the answer is dropped.
/// </summary>
public sealed class ReadRecorder(AccessLedger ledger, ExfiltrationGuard guard, TimeProvider time)
{
    /// <summary>Fields of an aggregate answer.</summary>
    public static readonly IReadOnlyList<LedgerField> Aggregate = [new("counts", DataClassification.Aggregate)];

    /// <summary>Records the read; false after writing the refusal, in which case the caller must return without writing.</summary>
    /// <param name="context">The request.</param>
    /// <param name="action">What was read, e.g. <c>profile.lookup</c>, <c>query.funnels</c>.</param>
    /// <param name="projectId">The project read.</param>
    /// <param name="query">The canonical request (ids as pseudonyms, never raw).</param>
    /// <param name="fields">The fields returned and their classification.</param>
    /// <param name="rows">Rows returned.</param>
    /// <param name="subjects">Persons whose individual-level data the answer holds (none for aggregates).</param>
    public async Task<bool> RecordAsync(HttpContext context, string action, int? projectId, string query,
        IReadOnlyList<LedgerField> fields, long rows, IEnumerable<Pseudonym> subjects)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GetVeilPrincipal() is not { } principal)
        {
            await Problems.Write(context, 403, "Forbidden", "This endpoint has no authorization rule.");
            return false;
        }
        var record = new AccessRecord
        {
            Principal = principal.PrincipalId,
            Credential = principal.CredentialId ?? principal.PrincipalId,
            Scopes = ScopeNames.Format(principal.Scopes),
            MfaLevel = principal.Mfa.ToString().ToLowerInvariant(),
            StepUpAge = principal.StepUpAge(time.GetUtcNow()),
            ClientIp = principal.ClientIp ?? context.Connection.RemoteIpAddress ?? IPAddress.None,
            Action = action,
            Project = projectId,
            Query = query,
            Fields = fields,
            Rows = rows,
            Subjects = SubjectSet.Of(subjects),
        };
        try
        {
            await LedgeredRead.RecordAsync(ledger, guard, record, context.RequestAborted);
        }
        catch (GuardDeniedException e)
        {
            await Problems.Write(context, 403, "Read budget exceeded", e.Message);
            return false;
        }
        catch (LedgerAppendException e)
        {
            context.Response.Headers.RetryAfter = "5";
            await Problems.Write(context, 503, "Access ledger unavailable",
                "Veil could not record this read on its access ledger, so nothing was returned. Retry later; if it persists, check the data directory's disk. " + e.Message);
            return false;
        }
        return true;
    }
}
