using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Veil.Access;
using Veil.Security.Access;
using Veil.Security.Accounts;

namespace Veil.Tests.Accounts;

/// <summary>
/// Every endpoint the server maps × every role and credential scope (and anonymous) → the expected status. The endpoint
/// list comes from the running server's EndpointDataSource, so a new endpoint without a Veil rule fails here; the
/// expected answers come from the table below (the issue's words), not from the code under test.
/// </summary>
public sealed class AuthorizationMatrixTests
{
    // The specification, written out independently of AccessRules.
    private static readonly Dictionary<Role, Permission[]> RoleGrants = new()
    {
        [Role.Owner] = Enum.GetValues<Permission>(),
        [Role.Admin] = [Permission.Import, Permission.ReadAggregate, Permission.ReadIndividual, Permission.ReadVaultPii, Permission.Export, Permission.Admin, Permission.ManageCredentials],
        [Role.Analyst] = [Permission.ReadAggregate, Permission.ReadIndividual, Permission.ReadVaultPii, Permission.Export],
        [Role.Viewer] = [Permission.ReadAggregate],
        [Role.Auditor] = [Permission.ReadLedger],
    };

    private static readonly Dictionary<string, Permission[]> ScopeGrants = new()
    {
        ["ingest"] = [],
        ["import"] = [Permission.Import],
        ["read:aggregate"] = [Permission.ReadAggregate],
        ["read:individual"] = [Permission.ReadIndividual],
        ["export"] = [Permission.Export],
        ["admin"] = [Permission.Admin],
    };

    private static readonly Permission[] SecretGrants = [Permission.Import, Permission.ReadAggregate];
    private static readonly Permission[] StepUp = [Permission.ReadVaultPii, Permission.Export, Permission.ManageCredentials];

    private sealed record Caller(string Name, Func<HttpRequestMessage, Task> Authenticate, Func<VeilAccess, int?> Expected);

    [Fact]
    public async Task Every_endpoint_answers_every_caller_as_the_rules_say()
    {
        // One probe endpoint per permission, so permissions no real endpoint uses yet are checked too.
        await using var server = await VeilTestServer.StartAsync(signInLimitPerMinute: 100_000, mfaLimitPerMinute: 100_000, mapTestEndpoints: app =>
        {
            foreach (var permission in Enum.GetValues<Permission>())
            {
                app.MapGet($"/api/projects/{{id:int}}/probe/{permission}", () => Microsoft.AspNetCore.Http.Results.Ok()).RequireVeil(permission);
            }
        });
        var (projectId, token, secret) = server.CreateProject("matrix");
        var (otherProject, _, _) = server.CreateProject("matrix-other");
        var accounts = server.Server.Accounts;
        using var client = server.CreateClient(cookies: false);

        var endpoints = server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var unruled = endpoints.Where(e => e.Metadata.GetMetadata<VeilAccess>() is null).Select(e => e.DisplayName).ToList();
        Assert.True(unruled.Count == 0, "endpoints without a Veil authorization rule (add .RequireVeil(Permission.X) or .AllowVeilPublic(why)): " + string.Join(", ", unruled));
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/api/projects/{id:int}/events/count");

        var callers = new List<Caller>
        {
            new("anonymous", _ => Task.CompletedTask, a => a.Kind is VeilAccessKind.Project or VeilAccessKind.Session ? 401 : null),
            new("token", r => Basic(r, token, ""), a => a.Kind is VeilAccessKind.Project or VeilAccessKind.Session ? 401 : null),
            new("secret", r => Basic(r, secret, ""), a => Credential(a, SecretGrants)),
        };
        foreach (var (scope, grants) in ScopeGrants)
        {
            var name = "sa-" + scope.Replace(':', '-');
            var saSecret = server.CreateServiceAccount(projectId, name, scope);
            callers.Add(new("service account " + scope, r => Basic(r, name, saSecret), a => Credential(a, grants)));
        }
        var elsewhere = server.CreateServiceAccount(otherProject, "sa-elsewhere", "read:aggregate", "import", "admin", "export", "read:individual");
        callers.Add(new("service account of another project", r => Basic(r, "sa-elsewhere", elsewhere), a => a.Kind is VeilAccessKind.Project or VeilAccessKind.Session ? 401 : null));

        foreach (var role in Enum.GetValues<Role>())
        {
            var person = accounts.Store.CreateUser($"{role}@matrix.example", accounts.Hasher.Hash("unused matrix passphrase"), false);
            accounts.Store.SetMembership(person.Id, projectId, RoleNames.Format(role));
            callers.Add(new($"{role} (step-up fresh)", r => Cookie(r, accounts.StartSession(person, MfaLevel.Totp, accounts.Now)), a => Person(a, role, steppedUp: true)));
            callers.Add(new($"{role} (no step-up)", r => Cookie(r, accounts.StartSession(person, MfaLevel.Totp, accounts.Now - TimeSpan.FromMinutes(6))), a => Person(a, role, steppedUp: false)));
        }
        var stranger = accounts.Store.CreateUser("stranger@matrix.example", accounts.Hasher.Hash("unused matrix passphrase"), false);
        accounts.Store.SetMembership(stranger.Id, otherProject, "owner");
        callers.Add(new("owner of another project", r => Cookie(r, accounts.StartSession(stranger, MfaLevel.Totp, accounts.Now)),
            a => a.Kind switch { VeilAccessKind.Project => 403, VeilAccessKind.Session => a.Stages.Contains(SessionStage.Full) ? 0 : 403, _ => null }));
        var unenrolled = accounts.Store.CreateUser("unenrolled@matrix.example", accounts.Hasher.Hash("unused matrix passphrase"), false);
        accounts.Store.SetMembership(unenrolled.Id, projectId, "analyst");
        callers.Add(new("analyst without MFA", r => Cookie(r, accounts.StartSession(unenrolled)),
            a => a.Kind switch { VeilAccessKind.Project => 403, VeilAccessKind.Session => a.Stages.Contains(SessionStage.MfaEnrolment) ? 0 : 403, _ => null }));

        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var endpoint in endpoints)
        {
            var access = endpoint.Metadata.GetMetadata<VeilAccess>()!;
            var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.FirstOrDefault() ?? "GET";
            var path = Path(endpoint.RoutePattern.RawText!, projectId);
            foreach (var caller in callers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                await caller.Authenticate(request);
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var expected = caller.Expected(access);
                checkedCount++;
                var ok = status < 500 && status != 429 && expected switch
                {
                    null => true,
                    0 => status is not 401 and not 403,
                    _ => status == expected,
                };
                if (!ok) failures.Add($"{method} {path} [{access}] as {caller.Name}: got {status}, expected {(expected is 0 ? "allowed" : expected?.ToString() ?? "no 5xx")}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCount} checks failed:\n" + string.Join("\n", failures));
    }

    /// <summary>Credentials: project rules by scope (401 on session endpoints: credentials have no session).</summary>
    private static int? Credential(VeilAccess access, Permission[] grants) => access.Kind switch
    {
        VeilAccessKind.Project => grants.Contains(access.Permission!.Value) ? 0 : 403,
        VeilAccessKind.Session => 401,
        _ => null,
    };

    private static int? Person(VeilAccess access, Role role, bool steppedUp) => access.Kind switch
    {
        VeilAccessKind.Project => RoleGrants[role].Contains(access.Permission!.Value) && (steppedUp || !StepUp.Contains(access.Permission!.Value)) ? 0 : 403,
        VeilAccessKind.Session => access.Stages.Contains(SessionStage.Full) ? 0 : 403,
        _ => null,
    };

    private static Task Basic(HttpRequestMessage request, string user, string password)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return Task.CompletedTask;
    }

    private static Task Cookie(HttpRequestMessage request, IssuedSession session)
    {
        request.Headers.Add("Cookie", $"{SessionCookie.Name}={session.Token}");
        request.Headers.Add(SessionCookie.CsrfHeader, session.CsrfToken);
        return Task.CompletedTask;
    }

    /// <summary>A concrete path for a route pattern: the project, and values that name nothing for other parameters.</summary>
    private static string Path(string pattern, int projectId)
    {
        var path = pattern.Replace("{id:int}", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return System.Text.RegularExpressions.Regex.Replace(path, @"\{(\w+)(:(\w+))?\}", m => m.Groups[3].Value is "int" or "long" ? "999999" : "nobody");
    }
}
