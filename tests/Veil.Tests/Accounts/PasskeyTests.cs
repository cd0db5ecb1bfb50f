using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Veil.Access;

namespace Veil.Tests.Accounts;

/// <summary>WebAuthn passkeys through Fido2 with a software authenticator: enrolment, sign-in, step-up, wrong origin, replay, cloned keys.</summary>
public sealed class PasskeyTests
{
    private static string Stage(JsonElement body) => body.GetProperty("stage").GetString()!;

    [Fact]
    public async Task Passkey_enrols_signs_in_and_steps_up_and_refuses_wrong_origins_replays_and_clones()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await VeilTestServer.StartAsync(time: clock);
        var owner = server.Server.InitialOwner!;
        var (id, _, _) = server.CreateProject("passkeys");
        var origin = server.Server.Services.GetRequiredService<PasskeyCeremonies>().Origin;
        Assert.StartsWith("https://localhost:", origin, StringComparison.Ordinal);
        var http = new AccountHttp(server.CreateClient());
        using var authenticator = new SoftwareAuthenticator();

        await http.SignInAsync(owner.Email, owner.OneTimePassword);
        Assert.Equal("mfa_enrolment", Stage((await http.PostAsync("/api/auth/password", new { current = owner.OneTimePassword, @new = "an owner passphrase with keys" })).Body));

        // A registration from another origin is refused, and its challenge is spent.
        var (status, options) = await http.PostAsync("/api/auth/passkeys/register/options");
        Assert.Equal(200, status);
        Assert.Equal(400, (await http.PostAsync("/api/auth/passkeys/register", new { credential = authenticator.Create(options, "https://evil.example") })).Status);
        Assert.Equal(400, (await http.PostAsync("/api/auth/passkeys/register", new { credential = authenticator.Create(options, origin) })).Status);

        (_, options) = await http.PostAsync("/api/auth/passkeys/register/options");
        var (registered, body) = await http.PostAsync("/api/auth/passkeys/register", new { credential = authenticator.Create(options, origin), name = "laptop" });
        Assert.True(registered == 200, body.ToString());
        Assert.Equal("full", Stage(body));
        Assert.Equal(10, body.GetProperty("recovery_codes").GetArrayLength());
        Assert.Equal(200, (await http.GetAsync($"/api/projects/{id}/events/count")).Status);

        // Sign-in now asks for the passkey.
        Assert.Equal(204, (await http.PostAsync("/api/auth/signout")).Status);
        Assert.Equal("mfa_verify", Stage(await http.SignInAsync(owner.Email, "an owner passphrase with keys")));
        (_, options) = await http.PostAsync("/api/auth/passkeys/assert/options");
        var wrongOrigin = authenticator.Get(options, "https://evil.example");
        Assert.Equal(401, (await http.PostAsync("/api/auth/passkeys/assert", new { credential = wrongOrigin })).Status);
        (_, options) = await http.PostAsync("/api/auth/passkeys/assert/options");
        var good = authenticator.Get(options, origin);
        (status, body) = await http.PostAsync("/api/auth/passkeys/assert", new { credential = good });
        Assert.True(status == 200, body.ToString());
        Assert.Equal("full", Stage(body));

        // Step-up by passkey after five minutes; a replayed assertion does not count.
        clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(403, (await http.PostAsync($"/api/projects/{id}/service-accounts", new { username = "pk-etl", scopes = new[] { "import" } })).Status);
        (_, options) = await http.PostAsync("/api/auth/passkeys/assert/options");
        Assert.Equal(401, (await http.PostAsync("/api/auth/passkeys/assert", new { credential = good })).Status);
        (_, options) = await http.PostAsync("/api/auth/passkeys/assert/options");
        Assert.Equal(200, (await http.PostAsync("/api/auth/passkeys/assert", new { credential = authenticator.Get(options, origin) })).Status);
        Assert.Equal(201, (await http.PostAsync($"/api/projects/{id}/service-accounts", new { username = "pk-etl", scopes = new[] { "import" } })).Status);

        // A cloned key (its counter behind the server's) is refused.
        authenticator.Counter = 0;
        (_, options) = await http.PostAsync("/api/auth/passkeys/assert/options");
        Assert.Equal(401, (await http.PostAsync("/api/auth/passkeys/assert", new { credential = authenticator.Get(options, origin) })).Status);
    }
}
