namespace Veil.Security.Access;

/// <summary>What an endpoint needs. Each maps to the roles and credential scopes that grant it (see <see cref="AccessRules"/>).</summary>
public enum Permission
{
    /// <summary>/import of events (scope <c>import</c>; owner, admin).</summary>
    Import,
    /// <summary>Counts, insights, funnels, retention, flows, PII hit counts, inventory (scope <c>read:aggregate</c>; every role but auditor; k-threshold unless the principal may read individuals).</summary>
    ReadAggregate,
    /// <summary>Profiles, event timelines, replays (scope <c>read:individual</c>; owner, admin, analyst).</summary>
    ReadIndividual,
    /// <summary>Decrypted vault PII (owner, admin, analyst with a step-up in the last 5 minutes; no credential can).</summary>
    ReadVaultPii,
    /// <summary>Exports (scope <c>export</c>; owner, admin, analyst with a step-up).</summary>
    Export,
    /// <summary>Project settings and policies (scope <c>admin</c>; owner, admin).</summary>
    Admin,
    /// <summary>Members, service accounts and invitations (owner, admin with a step-up; no credential can).</summary>
    ManageCredentials,
    /// <summary>The access ledger (owner, auditor; no credential can).</summary>
    ReadLedger,
}
