using System.Text;
using Veil.Access;
using Veil.Projects;
using Veil.Security.Access;

namespace Veil.Endpoints;

/// <summary>
/// Credentials on Mixpanel's /import: the project secret as username (<c>secret:</c>), a service account
/// (<c>username:secret</c>, with <c>project_id</c>) with the <c>import</c> scope, or the public token as username.
/// </summary>
public static class ProjectAuthenticator
{
    public readonly record struct Result(ProjectContext? Project, string? Failure);

    /// <summary>Resolves the project the request's credentials may import into.</summary>
    /// <param name="context">The request.</param>
    /// <param name="projects">Project directory.</param>
    /// <param name="projectId">The project named by <c>project_id</c>, if any.</param>
    /// <param name="allowToken">Whether the public token alone is enough (Mixpanel allows it on /import).</param>
    public static Result Authenticate(HttpContext context, ProjectDirectory projects, int? projectId, bool allowToken)
    {
        // On an endpoint with .RequireVeil(…) the authorization layer has already checked the caller for this project:
        // handlers written before it (which call this) keep working unchanged once their endpoint gets its rule.
        if (context.GetVeilPrincipal() is { ProjectId: { } authorized } && (projectId is null || projectId == authorized)
            && context.GetEndpoint()?.Metadata.GetMetadata<VeilAccess>()?.Kind == VeilAccessKind.Project)
        {
            return projects.FindById(authorized) is { } project ? new(project, null) : new(null, $"there is no project {authorized}");
        }
        var outcome = context.RequestServices.GetRequiredService<CredentialAuthenticator>().Authenticate(context, projectId, allowToken);
        if (outcome.Project is null || outcome.Principal is null) return new(null, outcome.Failure);
        if (!AccessRules.ScopesGrant(outcome.Principal.Scopes, Permission.Import))
        {
            return new(null, $"this credential's scopes ({string.Join(' ', ScopeNames.Format(outcome.Principal.Scopes))}) do not include import");
        }
        context.Features.Set(outcome.Principal);
        return new(outcome.Project, null);
    }

    /// <summary>Parses an <c>Authorization: Basic …</c> header.</summary>
    public static bool TryReadBasic(string header, out string user, out string password)
    {
        user = password = "";
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return false;
        user = decoded[..colon];
        password = decoded[(colon + 1)..];
        return user.Length > 0 || password.Length > 0;
    }
}
