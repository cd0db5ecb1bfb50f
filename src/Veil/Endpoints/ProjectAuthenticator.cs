using System.Text;
using Veil.Projects;

namespace Veil.Endpoints;

/// <summary>
/// HTTP Basic credentials as Mixpanel's APIs take them: the project secret as username (<c>secret:</c>), or a service
/// account (<c>username:secret</c>, with <c>project_id</c>). For /import only, also the public token as username.
/// </summary>
public static class ProjectAuthenticator
{
    public readonly record struct Result(ProjectContext? Project, string? Failure);

    /// <summary>Resolves the project the request's credentials act on.</summary>
    /// <param name="context">The request.</param>
    /// <param name="projects">Project directory.</param>
    /// <param name="projectId">The project named by the route or <c>project_id</c>, if any.</param>
    /// <param name="allowToken">Whether the public token alone is enough (Mixpanel allows it on /import).</param>
    public static Result Authenticate(HttpContext context, ProjectDirectory projects, int? projectId, bool allowToken)
    {
        if (!TryReadBasic(context.Request.Headers.Authorization.ToString(), out var user, out var password))
        {
            return new(null, "missing credentials: send HTTP Basic auth with the project secret as username (`secret:`), or a service account `username:secret` with project_id");
        }
        if (password.Length > 0)
        {
            var account = projects.AuthenticateServiceAccount(user, password);
            if (account is null) return new(null, "Invalid credentials");
            if (projectId is not null && projectId != account.Id) return new(null, $"this service account has no access to project {projectId}");
            return new(account, null);
        }
        // `secret:` — the secret identifies the project only together with the project it is checked against.
        if (projectId is { } id)
        {
            var project = projects.FindById(id);
            if (project is not null && ProjectDirectory.SecretMatches(project.Record, user)) return new(project, null);
            if (allowToken && project is not null && project.Record.Token == user) return new(project, null);
            return new(null, "Invalid credentials");
        }
        foreach (var record in projects.List())
        {
            if (ProjectDirectory.SecretMatches(record, user)) return new(projects.FindById(record.Id), null);
        }
        if (allowToken && projects.FindByToken(user) is { } byToken) return new(byToken, null);
        return new(null, "Invalid credentials");
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
