using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Veil.Access;
using Veil.Security.Access;

namespace Veil.Tests.Accounts;

/// <summary>Malformed bodies on every account, member and credential form: a clear 4xx naming the problem, never a 500.</summary>
public sealed class AccountBadInputTests
{
    private static readonly string[] Bodies =
    [
        "", "not json", "[]", "null", "42", "\"text\"", "{", "{\"email\":5,\"password\":[]}", "{\"code\":{},\"recovery_code\":true}",
        "{\"email\":\"a@b.c\",\"password\":null}", "{\"current\":\"x\",\"new\":\"y\"}", "{\"token\":\"" + new string('t', 500) + "\",\"password\":\"p\"}",
        "{\"username\":\"../../etc\",\"scopes\":[\"root\"],\"expires_at\":\"yesterday\",\"allow_ips\":[\"999.1.1.1\"]}",
        "{\"username\":\"ok-name\",\"scopes\":\"import\"}", "{\"username\":\"ok-name\",\"scopes\":[\"import\"],\"expires_at\":\"2000-01-01T00:00:00Z\"}",
        "{\"email\":\"not-an-email\",\"role\":\"god\"}", "{\"code\":\"12345678901234567890\"}", "{\"code\":\"abcdef\"}",
        new string('[', 5000), "{\"email\":\"" + new string('x', 20_000) + "\"}",
    ];

    [Fact]
    public async Task Every_form_answers_bad_input_with_a_4xx()
    {
        await using var server = await VeilTestServer.StartAsync(signInLimitPerMinute: 100_000, mfaLimitPerMinute: 100_000);
        var (projectId, _, _) = server.CreateProject("bad-input");
        var accounts = server.Server.Accounts;
        var person = accounts.Store.CreateUser("bad.input@example.com", accounts.Hasher.Hash("unused bad input passphrase"), false);
        accounts.Store.SetMembership(person.Id, projectId, RoleNames.Format(Role.Owner));
        using var client = server.CreateClient(cookies: false);
        var endpoints = server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<VeilAccess>()?.Kind is VeilAccessKind.Public or VeilAccessKind.Session or VeilAccessKind.Project)
            .ToList();
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.FirstOrDefault() ?? "GET";
            if (method is not ("POST" or "PUT")) continue;
            var path = endpoint.RoutePattern.RawText!.Replace("{id:int}", projectId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            // Other route values name nothing that exists (a cohort 999999, a member "nobody").
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{(\w+)(:(\w+))?\}", m => m.Groups[3].Value is "int" or "long" ? "999999" : "nobody");
            foreach (var body in Bodies)
            {
                var session = accounts.StartSession(person, MfaLevel.Totp, accounts.Now);
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Cookie", $"{SessionCookie.Name}={session.Token}");
                request.Headers.Add(SessionCookie.CsrfHeader, session.CsrfToken);
                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                var text = await response.Content.ReadAsStringAsync();
                // Bodies that are not a JSON object, or whose fields are wrong, must be refused with a reason.
                var refused = status is >= 400 and < 500 && text.Contains("\"detail\"", StringComparison.Ordinal);
                var harmless = status is 200 or 204 && path.Contains("signout", StringComparison.Ordinal) || path.EndsWith("/recovery-codes", StringComparison.Ordinal) || path.EndsWith("/totp/enrol", StringComparison.Ordinal) || path.EndsWith("/options", StringComparison.Ordinal);
                if (!refused && !(harmless && status < 500)) failures.Add($"{method} {path} with {Preview(body)}: {status} {Preview(text)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Preview(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
