namespace Veil.Security.Access;

/// <summary>What a service account (or the legacy project secret) may do. Nothing outside its scopes, ever.</summary>
[Flags]
public enum CredentialScopes
{
    None = 0,
    /// <summary><c>ingest</c>: send events like an SDK.</summary>
    Ingest = 1,
    /// <summary><c>import</c>: /import historical events.</summary>
    Import = 2,
    /// <summary><c>read:aggregate</c>: counts, insights, funnels, retention, flows (k-thresholded).</summary>
    ReadAggregate = 4,
    /// <summary><c>read:individual</c>: profiles, event timelines, replays.</summary>
    ReadIndividual = 8,
    /// <summary><c>export</c>: raw exports.</summary>
    Export = 16,
    /// <summary><c>admin</c>: project settings and policies (never credential management: a credential cannot mint credentials).</summary>
    Admin = 32,
}
