using Veil.Projects;

namespace Veil.Endpoints;

/// <summary>The one project lookup of every read handler; the authorization layer (<c>.RequireVeil</c>) has checked the caller.</summary>
internal static class ReadAuthentication
{
    /// <summary>The project, or null after writing the problem (no rule on the endpoint, or no such project).</summary>
    public static Task<ProjectContext?> AuthenticateAsync(HttpContext context, ProjectDirectory projects, int id) =>
        ReadEndpoints.AuthenticateAsync(context, projects, id);
}
