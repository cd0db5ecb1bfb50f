namespace Veil.Security.Access;

/// <summary>Who is asking.</summary>
public enum PrincipalKind
{
    Anonymous,
    /// <summary>A person with a session cookie.</summary>
    Person,
    /// <summary>A scoped service account (HTTP Basic username:secret).</summary>
    ServiceAccount,
    /// <summary>The public ingestion token, accepted on /import as Mixpanel does (scope <c>import</c> only).</summary>
    ProjectToken,
    /// <summary>The legacy Mixpanel project secret (HTTP Basic <c>secret:</c>), scopes <c>import</c> + <c>read:aggregate</c>.</summary>
    ProjectSecret,
}
