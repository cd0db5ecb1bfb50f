using Veil.Security.Access;
using Veil.Security.Accounts;

namespace Veil.Access;

/// <summary>
/// One line per endpoint: <c>app.MapGet("/api/projects/{id:int}/…", Handler).RequireVeil(Permission.ReadAggregate);</c>
/// </summary>
public static class VeilAccessExtensions
{
    /// <summary>Needs <paramref name="permission"/> on the project in the route's <c>{id}</c> (people by role, with MFA and step-up as the rules say; credentials by scope).</summary>
    public static TBuilder RequireVeil<TBuilder>(this TBuilder builder, Permission permission) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new VeilAccess(VeilAccessKind.Project, permission, [], null));

    /// <summary>Needs a signed-in person whose session is at one of <paramref name="stages"/> (default: fully signed in).</summary>
    public static TBuilder RequireVeilSession<TBuilder>(this TBuilder builder, params SessionStage[] stages) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new VeilAccess(VeilAccessKind.Session, null, stages.Length == 0 ? [SessionStage.Full] : stages, null));

    /// <summary>Open to anyone; <paramref name="why"/> says why that is safe.</summary>
    public static TBuilder AllowVeilPublic<TBuilder>(this TBuilder builder, string why) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new VeilAccess(VeilAccessKind.Public, null, [], why));

    /// <summary>An ingestion endpoint: the handler authenticates the token (write-only) or an <c>import</c> credential.</summary>
    public static TBuilder AllowVeilIngestion<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new VeilAccess(VeilAccessKind.Ingestion, null, [], "write-only: token or import credential checked by the handler"));

    /// <summary>The principal the authorization layer resolved for this request (null on public and ingestion endpoints).</summary>
    public static VeilPrincipal? GetVeilPrincipal(this HttpContext context) => context.Features.Get<VeilPrincipal>();

    /// <summary>The signed-in session behind this request, if it came with one.</summary>
    public static SessionState? GetVeilSession(this HttpContext context) => context.Features.Get<SessionState>();
}
