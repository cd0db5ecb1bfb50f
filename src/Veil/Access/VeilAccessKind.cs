namespace Veil.Access;

/// <summary>The kinds of authorization rule an endpoint can carry.</summary>
public enum VeilAccessKind
{
    /// <summary>Anyone (health check, SDK config stubs, sign-in, accepting an invitation).</summary>
    Public,
    /// <summary>Ingestion: the handler checks the public token (write-only) or, for /import, a credential with <c>import</c>.</summary>
    Ingestion,
    /// <summary>A signed-in person at one of the given session stages (sign-in flow, MFA enrolment, account).</summary>
    Session,
    /// <summary>A permission on the project named by the route's <c>{id}</c>: a member's role or a credential's scopes.</summary>
    Project,
}
