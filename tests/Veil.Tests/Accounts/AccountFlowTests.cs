using System.Text.Json;
using OtpNet;
using Veil.Access;
using Veil.Security.Mfa;
using Veil.Tests.Http;

namespace Veil.Tests.Accounts;

/// <summary>People over HTTP: first-run owner, forced password change and MFA enrolment, TOTP, recovery codes, step-up, sessions.</summary>
public sealed class AccountFlowTests
{
    private static string Stage(JsonElement body) => body.GetProperty("stage").GetString()!;

    private static string Title(JsonElement body) => body.TryGetProperty("title", out var t) ? t.GetString()! : body.ToString();

    [Fact]
    public async Task First_run_owner_changes_password_enrols_totp_steps_up_and_signs_out()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await VeilTestServer.StartAsync(time: clock);
        var owner = server.Server.InitialOwner;
        Assert.NotNull(owner);
        var (id, _, _) = server.CreateProject("accounts");
        var http = new AccountHttp(server.CreateClient());
        var count = $"/api/projects/{id}/events/count";

        Assert.Equal(401, (await http.PostAsync("/api/auth/signin", new { email = owner.Email, password = "not the password at all" })).Status);
        var signedIn = await http.SignInAsync(owner.Email, owner.OneTimePassword);
        Assert.Equal("password_change", Stage(signedIn));
        var (status, body) = await http.GetAsync(count);
        Assert.Equal(403, status);
        Assert.Equal("Password change required", Title(body));

        // Unsafe requests need the CSRF header, and no foreign Origin.
        var csrf = http.Csrf;
        http.Csrf = null;
        Assert.Equal(403, (await http.PostAsync("/api/auth/password", new { current = owner.OneTimePassword, @new = "a brand new owner passphrase" })).Status);
        http.Csrf = csrf;
        Assert.Equal(403, (await http.PostAsync("/api/auth/password", new { current = owner.OneTimePassword, @new = "a brand new owner passphrase" },
            r => r.Headers.Add("Origin", "https://evil.example"))).Status);
        (status, body) = await http.PostAsync("/api/auth/password", new { current = owner.OneTimePassword, @new = "password12345" });
        Assert.Equal(400, status);
        Assert.Contains("common", body.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        (status, body) = await http.PostAsync("/api/auth/password", new { current = owner.OneTimePassword, @new = "a brand new owner passphrase" });
        Assert.Equal(200, status);
        Assert.Equal("mfa_enrolment", Stage(body));
        (status, body) = await http.GetAsync(count);
        Assert.Equal(403, status);
        Assert.Equal("MFA enrolment required", Title(body));

        (status, body) = await http.PostAsync("/api/auth/mfa/totp/enrol");
        Assert.Equal(200, status);
        var secret = Base32Encoding.ToBytes(body.GetProperty("secret").GetString()!);
        Assert.StartsWith("otpauth://totp/Veil:", body.GetProperty("uri").GetString(), StringComparison.Ordinal);
        var current = TotpCodes.Compute(secret, clock.GetUtcNow());
        Assert.Equal(400, (await http.PostAsync("/api/auth/mfa/totp/confirm", new { code = current == "000000" ? "111111" : "000000" })).Status);
        (status, body) = await http.PostAsync("/api/auth/mfa/totp/confirm", new { code = current });
        Assert.Equal(200, status);
        Assert.Equal("full", Stage(body));
        var recovery = body.GetProperty("recovery_codes").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(10, recovery.Count);

        Assert.Equal(200, (await http.GetAsync(count)).Status);
        // Fresh from enrolment, the step-up is recent: managing credentials works.
        (status, body) = await http.PostAsync($"/api/projects/{id}/service-accounts", new { username = "ci-import", scopes = new[] { "import" } });
        Assert.Equal(201, status);

        // Five minutes later it does not.
        clock.Advance(TimeSpan.FromMinutes(6));
        (status, body) = await http.PostAsync($"/api/projects/{id}/service-accounts", new { username = "ci-read", scopes = new[] { "read:aggregate" } });
        Assert.Equal(403, status);
        Assert.Equal("Step-up required", Title(body));
        Assert.Equal(200, (await http.GetAsync(count)).Status);

        // A replayed code does not step up; a fresh one does.
        Assert.Equal(401, (await http.PostAsync("/api/auth/step-up", new { code = current })).Status);
        var fresh = TotpCodes.Compute(secret, clock.GetUtcNow());
        Assert.Equal(200, (await http.PostAsync("/api/auth/step-up", new { code = fresh })).Status);
        Assert.Equal(401, (await http.PostAsync("/api/auth/step-up", new { code = fresh })).Status);
        Assert.Equal(201, (await http.PostAsync($"/api/projects/{id}/service-accounts", new { username = "ci-read", scopes = new[] { "read:aggregate" } })).Status);

        Assert.Equal(204, (await http.PostAsync("/api/auth/signout")).Status);
        Assert.Equal(401, (await http.GetAsync(count)).Status);

        // Next sign-in needs the second factor; a recovery code works once.
        Assert.Equal("mfa_verify", Stage(await http.SignInAsync(owner.Email, "a brand new owner passphrase")));
        (status, body) = await http.GetAsync(count);
        Assert.Equal(403, status);
        Assert.Equal("MFA required", Title(body));
        Assert.Equal(401, (await http.PostAsync("/api/auth/mfa/verify", new { code = fresh })).Status);
        (status, body) = await http.PostAsync("/api/auth/mfa/verify", new { recovery_code = recovery[0] });
        Assert.Equal(200, status);
        Assert.Equal("full", Stage(body));
        Assert.Equal(200, (await http.GetAsync(count)).Status);

        // Sign-out everywhere ends this browser's session and any other.
        var other = new AccountHttp(server.CreateClient());
        Assert.Equal("mfa_verify", Stage(await other.SignInAsync(owner.Email, "a brand new owner passphrase")));
        Assert.Equal(401, (await other.PostAsync("/api/auth/mfa/verify", new { recovery_code = recovery[0] })).Status);
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(200, (await other.PostAsync("/api/auth/mfa/verify", new { code = TotpCodes.Compute(secret, clock.GetUtcNow()) })).Status);
        Assert.Equal(204, (await http.PostAsync("/api/auth/signout-everywhere")).Status);
        Assert.Equal(401, (await other.GetAsync(count)).Status);
        Assert.Equal(401, (await http.GetAsync(count)).Status);

        // Idle sessions end.
        Assert.Equal("mfa_verify", Stage(await http.SignInAsync(owner.Email, "a brand new owner passphrase")));
        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(401, (await http.PostAsync("/api/auth/mfa/verify", new { code = TotpCodes.Compute(secret, clock.GetUtcNow()) })).Status);
    }

    [Fact]
    public async Task Session_cookie_is_host_only_httponly_secure_strict_and_headers_are_set()
    {
        await using var server = await VeilTestServer.StartAsync();
        var owner = server.Server.InitialOwner!;
        using var client = server.CreateClient(cookies: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/signin")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { email = owner.Email, password = owner.OneTimePassword }), System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-veil-session=", cookie, StringComparison.Ordinal);
        foreach (var attribute in new[] { "httponly", "secure", "samesite=strict", "path=/" }) Assert.Contains(attribute, cookie.ToLowerInvariant(), StringComparison.Ordinal);
        Assert.DoesNotContain("domain=", cookie.ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.StartsWith("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        // A cross-site HTML form (text/plain or form-encoded) cannot sign anyone in: JSON only (no login CSRF).
        using (var form = await client.PostAsync("/api/auth/signin", new StringContent(JsonSerializer.Serialize(new { email = owner.Email, password = owner.OneTimePassword }), System.Text.Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(415, (int)form.StatusCode);
        }

        // Signing in again issues a different session id.
        using var again = new HttpRequestMessage(HttpMethod.Post, "/api/auth/signin")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { email = owner.Email, password = owner.OneTimePassword }), System.Text.Encoding.UTF8, "application/json"),
        };
        using var second = await client.SendAsync(again);
        Assert.NotEqual(cookie.Split(';')[0], second.Headers.GetValues("Set-Cookie").Single().Split(';')[0]);
    }

    [Fact]
    public async Task Repeated_sign_ins_from_one_address_are_rate_limited()
    {
        await using var server = await VeilTestServer.StartAsync(signInLimitPerMinute: 5);
        var http = new AccountHttp(server.CreateClient());
        var statuses = new List<int>();
        for (var i = 0; i < 8; i++) statuses.Add((await http.PostAsync("/api/auth/signin", new { email = $"guess{i}@example.com", password = "some wrong passphrase" })).Status);
        Assert.Equal(Enumerable.Repeat(401, 5), statuses.Take(5));
        Assert.All(statuses.Skip(5), s => Assert.Equal(429, s));
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_out_over_http()
    {
        await using var server = await VeilTestServer.StartAsync(signInLimitPerMinute: 1000);
        var owner = server.Server.InitialOwner!;
        var http = new AccountHttp(server.CreateClient());
        for (var i = 0; i < 5; i++) Assert.Equal(401, (await http.PostAsync("/api/auth/signin", new { email = owner.Email, password = "wrong passphrase " + i })).Status);
        var (status, _) = await http.PostAsync("/api/auth/signin", new { email = owner.Email, password = owner.OneTimePassword });
        Assert.Equal(429, status);
    }

    [Fact]
    public async Task Wrong_totp_codes_are_throttled_over_http()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await VeilTestServer.StartAsync(time: clock, mfaLimitPerMinute: 1000);
        var owner = server.Server.InitialOwner!;
        var http = new AccountHttp(server.CreateClient());
        await http.SignInAsync(owner.Email, owner.OneTimePassword);
        await http.PostAsync("/api/auth/password", new { current = owner.OneTimePassword, @new = "another fine owner passphrase" });
        var secret = Base32Encoding.ToBytes((await http.PostAsync("/api/auth/mfa/totp/enrol")).Body.GetProperty("secret").GetString()!);
        Assert.Equal(200, (await http.PostAsync("/api/auth/mfa/totp/confirm", new { code = TotpCodes.Compute(secret, clock.GetUtcNow()) })).Status);
        clock.Advance(TimeSpan.FromMinutes(1));
        var right = TotpCodes.Compute(secret, clock.GetUtcNow());
        var wrong = right == "123456" ? "654321" : "123456";
        for (var i = 0; i < 5; i++) Assert.Equal(401, (await http.PostAsync("/api/auth/step-up", new { code = wrong })).Status);
        Assert.Equal(429, (await http.PostAsync("/api/auth/step-up", new { code = right })).Status);
    }

    [Fact]
    public async Task Invitations_make_members_with_the_invited_role()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await VeilTestServer.StartAsync(time: clock);
        var owner = server.Server.InitialOwner!;
        var (id, _, _) = server.CreateProject("invites");
        var http = new AccountHttp(server.CreateClient());
        await http.SignInAsync(owner.Email, owner.OneTimePassword);
        await http.PostAsync("/api/auth/password", new { current = owner.OneTimePassword, @new = "another fine owner passphrase" });
        var secret = Base32Encoding.ToBytes((await http.PostAsync("/api/auth/mfa/totp/enrol")).Body.GetProperty("secret").GetString()!);
        await http.PostAsync("/api/auth/mfa/totp/confirm", new { code = TotpCodes.Compute(secret, clock.GetUtcNow()) });
        var (status, body) = await http.PostAsync($"/api/projects/{id}/invitations", new { email = "Viewer@Example.com", role = "viewer" });
        Assert.Equal(201, status);
        var token = body.GetProperty("token").GetString()!;

        var guest = new AccountHttp(server.CreateClient());
        Assert.Equal(400, (await guest.PostAsync("/api/auth/invitations/accept", new { token, password = "short" })).Status);
        Assert.Equal(200, (await guest.PostAsync("/api/auth/invitations/accept", new { token, password = "a viewer's own passphrase" })).Status);
        Assert.Equal(400, (await guest.PostAsync("/api/auth/invitations/accept", new { token, password = "a viewer's own passphrase" })).Status);
        // Viewers see aggregates only and need no MFA.
        Assert.Equal("full", Stage(await guest.SignInAsync("viewer@example.com", "a viewer's own passphrase")));
        Assert.Equal(200, (await guest.GetAsync($"/api/projects/{id}/events/count")).Status);
        Assert.Equal(403, (await guest.GetAsync($"/api/projects/{id}/members")).Status);
    }

    [Fact]
    public async Task Ingestion_is_limited_per_token_and_other_tokens_are_unaffected()
    {
        await using var server = await VeilTestServer.StartAsync(ingestRequestsPerSecondPerToken: 1);
        var (_, busy, _) = server.CreateProject("busy");
        var (_, quiet, _) = server.CreateProject("quiet");
        using var client = server.CreateClient();
        async Task<int> TrackAsync(string token, int n)
        {
            var data = $$$"""{"event":"Limited","properties":{"token":"{{{token}}}","distinct_id":"u","$insert_id":"lim-{{{token}}}-{{{n}}}"}}""";
            using var response = await client.PostAsync("/track?verbose=1", new FormUrlEncodedContent([new("data", data)]));
            return (int)response.StatusCode;
        }
        var statuses = new List<int>();
        for (var i = 0; i < 15; i++) statuses.Add(await TrackAsync(busy, i));
        Assert.Contains(429, statuses);
        Assert.Equal(200, statuses[0]);
        Assert.Equal(200, await TrackAsync(quiet, 0));
    }

    [Fact]
    public async Task Service_accounts_obey_scopes_expiry_and_ip_allow_lists_and_record_last_use()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await VeilTestServer.StartAsync(time: clock);
        var (id, _, _) = server.CreateProject("credentials");
        var store = server.Server.Accounts.Store;
        var local = Access.ServiceAccountIssuer.Create(store, id, "local-reader", ["read:aggregate"], clock.GetUtcNow().AddHours(1), ["127.0.0.1/32", "::1"], clock.GetUtcNow());
        var remote = Access.ServiceAccountIssuer.Create(store, id, "remote-reader", ["read:aggregate"], null, ["10.0.0.0/8"], clock.GetUtcNow());
        var writer = server.CreateServiceAccount(id, "writer-only", "import");
        using var client = server.CreateClient(cookies: false);
        async Task<(int Status, string Body)> CountAsync(string user, string secret)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{id}/events/count").WithBasic(user, secret);
            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Null(store.FindScopedServiceAccount("local-reader")!.LastUsedAt);
        Assert.Equal(200, (await CountAsync("local-reader", local)).Status);
        Assert.NotNull(store.FindScopedServiceAccount("local-reader")!.LastUsedAt);
        var (status, body) = await CountAsync("remote-reader", remote);
        Assert.Equal(401, status);
        Assert.Contains("address", body, StringComparison.Ordinal);
        (status, body) = await CountAsync("writer-only", writer);
        Assert.Equal(403, status);
        Assert.Contains("import", body, StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromHours(2));
        (status, body) = await CountAsync("local-reader", local);
        Assert.Equal(401, status);
        Assert.Contains("expired", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_and_known_emails_cost_the_same_argon2_work_over_http()
    {
        await using var server = await VeilTestServer.StartAsync(signInLimitPerMinute: 1000);
        var owner = server.Server.InitialOwner!;
        var hasher = server.Server.Accounts.Hasher;
        var http = new AccountHttp(server.CreateClient());
        var before = hasher.Invocations;
        Assert.Equal(401, (await http.PostAsync("/api/auth/signin", new { email = owner.Email, password = "a wrong passphrase here" })).Status);
        var known = hasher.Invocations - before;
        before = hasher.Invocations;
        Assert.Equal(401, (await http.PostAsync("/api/auth/signin", new { email = "nobody.at.all@example.com", password = "a wrong passphrase here" })).Status);
        Assert.Equal(known, hasher.Invocations - before);
        Assert.Equal(1, known);
    }

    [Fact]
    public async Task An_old_style_handler_works_unchanged_once_its_endpoint_has_a_rule()
    {
        // As other endpoints were written before the authorization layer: the handler checks credentials itself.
        await using var server = await VeilTestServer.StartAsync(mapTestEndpoints: app =>
            Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(app, "/api/projects/{id:int}/old-style", async (Microsoft.AspNetCore.Http.HttpContext context, int id, Projects.ProjectDirectory projects) =>
            {
                var auth = Endpoints.ProjectAuthenticator.Authenticate(context, projects, id, allowToken: false);
                if (auth.Project is null)
                {
                    context.Response.StatusCode = 401;
                    return;
                }
                await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response, "project " + auth.Project.Id);
            }).RequireVeil(Security.Access.Permission.ReadAggregate));
        var (id, _, _) = server.CreateProject("old-style");
        var reader = server.CreateServiceAccount(id, "old-style-reader", "read:aggregate");
        var writer = server.CreateServiceAccount(id, "old-style-writer", "import");
        using var client = server.CreateClient(cookies: false);
        using (var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{id}/old-style").WithBasic("old-style-reader", reader)))
        {
            Assert.Equal(200, (int)response.StatusCode);
        }
        using (var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{id}/old-style").WithBasic("old-style-writer", writer)))
        {
            Assert.Equal(403, (int)response.StatusCode);
        }
    }
}
