namespace Veil.Security.Access;

/// <summary>A person's role in a project.</summary>
public enum Role
{
    /// <summary>Everything, including the access ledger and members.</summary>
    Owner,
    /// <summary>Everything but the ledger: settings, members, credentials, individual-level reads.</summary>
    Admin,
    /// <summary>Aggregates and individual-level reads (profiles, timelines, replays); vault PII and exports with a step-up.</summary>
    Analyst,
    /// <summary>Aggregates only, with small cells suppressed (k-threshold).</summary>
    Viewer,
    /// <summary>The access ledger only.</summary>
    Auditor,
}
