using Veil.Hosting;
using Veil.Projects;

namespace Veil.Endpoints;

/// <summary>The one authentication call of every read handler: project secret (Basic) or service account, never the public token.</summary>
internal static class ReadAuthentication
{
    /// <summary>The project the credentials may read, or null after writing a 401 problem.</summary>
    public static async Task<ProjectContext?> AuthenticateAsync(HttpContext context, ProjectDirectory projects, int id)
    {
        var auth = ProjectAuthenticator.Authenticate(context, projects, id, allowToken: false);
        if (auth.Project is not null) return auth.Project;
        context.Response.Headers.WWWAuthenticate = "Basic realm=\"veil\"";
        await Problems.Write(context, 401, "Unauthorized", auth.Failure!);
        return null;
    }
}
