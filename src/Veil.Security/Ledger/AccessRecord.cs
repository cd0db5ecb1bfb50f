using System.Net;

namespace Veil.Security.Ledger;

/// <summary>
/// What a read endpoint tells the ledger before it returns a byte: who read, what, and whose data left.
/// The ledger adds the index and the time.
/// </summary>
public sealed record AccessRecord
{
    /// <summary>The person or service account behind the request (an account id, never an email).</summary>
    public required string Principal { get; init; }

    /// <summary>The credential used: session id, API key id or service-account id.</summary>
    public required string Credential { get; init; }

    /// <summary>The credential's scopes.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>MFA level of the session: "none", "totp", "webauthn".</summary>
    public string MfaLevel { get; init; } = "none";

    /// <summary>Time since the last step-up authentication; null when none happened.</summary>
    public TimeSpan? StepUpAge { get; init; }

    /// <summary>The operator staff member's client address (not an end user's).</summary>
    public required IPAddress ClientIp { get; init; }

    /// <summary>The read path: "query", "export", "profile.view", "replay.view", "cli.query", "admin.credentials.view"…</summary>
    public required string Action { get; init; }

    /// <summary>The project read, or null for project-independent reads.</summary>
    public int? Project { get; init; }

    /// <summary>The canonical query (no end-user PII: identifiers in it are pseudonyms).</summary>
    public string Query { get; init; } = "";

    /// <summary>The fields returned, with their classification.</summary>
    public IReadOnlyList<LedgerField> Fields { get; init; } = [];

    /// <summary>Rows returned.</summary>
    public long Rows { get; init; }

    /// <summary>Persons whose individual-level data left; empty for thresholded aggregates.</summary>
    public SubjectSet Subjects { get; init; } = SubjectSet.Empty;
}
