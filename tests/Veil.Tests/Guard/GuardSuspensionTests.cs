using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Veil.Security.Access;
using Veil.Security.Accounts;
using Veil.Security.Guard;
using Veil.Security.Ledger;
using Veil.Tests.Http;
using Veil.Tests.Profiles;

namespace Veil.Tests.Guard;

/// <summary>
/// A suspension by the exfiltration guard stops every request of the credential, survives a restart, and only an
/// owner with a fresh step-up lifts it.
/// </summary>
public sealed class GuardSuspensionTests : IAsyncLifetime
{
    private VeilTestServer _veil = null!;
    private HttpClient _client = null!;
    private int _project;
    private string _token = "";
    private string _secret = "";

    public async Task InitializeAsync()
    {
        _veil = await VeilTestServer.StartAsync(guard: new GuardOptions { Credential = new Budget(3, 50, 1_000), Principal = new Budget(3, 50, 1_000) });
        _client = _veil.CreateClient(cookies: false);
        (_project, _token, _) = _veil.CreateProject("guarded");
        _secret = _veil.CreateServiceAccount(_project, "scraper", "read:individual", "read:aggregate");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _veil.DisposeAsync();
    }

    private async Task SeedAsync(params string[] users)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        var events = users.Select((u, i) => (JsonNode)Payloads.Event("Seen", _token, u, JsonValue.Create(now + i), $"seed-{u}")).ToArray();
        var reply = await _client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(events))));
        reply.AssertOk(VeilHttp.VerboseOk);
        await _veil.CaughtUpAsync();
    }

    /// <summary>Reads profiles until the guard stops the credential.</summary>
    private async Task ExhaustBudgetAsync()
    {
        var users = Enumerable.Range(0, 5).Select(i => $"guarded-{i}").ToArray();
        await SeedAsync(users);
        foreach (var user in users) await ProfileApi.LookupAsync(_client, _project, "scraper:" + _secret, user);
        Assert.True(_veil.Server.Services.GetRequiredService<ExfiltrationGuard>().IsSuspended(GuardSubject.Credential, "scraper"));
    }

    private Task<Reply> CountAsync()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{_project}/events/count");
        return _client.SendForReplyAsync(request.WithBasic("scraper", _secret));
    }

    [Fact]
    public async Task A_suspended_credential_is_refused_everything_and_stays_suspended_after_a_restart()
    {
        await ExhaustBudgetAsync();
        // Not only individual reads: an aggregate count is refused too, by the authorization layer.
        var refused = await CountAsync();
        Assert.Equal(403, refused.Status);
        Assert.Contains("suspended by the exfiltration guard; an owner must re-enable it", refused.Text, StringComparison.Ordinal);

        _client.Dispose();
        _veil = await _veil.RestartAsync();
        _client = _veil.CreateClient(cookies: false);
        var afterRestart = await CountAsync();
        Assert.Equal(403, afterRestart.Status);
        Assert.Contains("suspended by the exfiltration guard", afterRestart.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_does_not_hand_the_credential_a_fresh_budget()
    {
        var users = Enumerable.Range(0, 5).Select(i => $"restarted-{i}").ToArray();
        await SeedAsync(users);
        foreach (var user in users[..2]) await ProfileApi.LookupAsync(_client, _project, "scraper:" + _secret, user);

        _client.Dispose();
        _veil = await _veil.RestartAsync();
        _client = _veil.CreateClient(cookies: false);
        // Two persons before the restart, one more fits the budget of three; the fourth is refused and suspends it.
        var (third, _) = await ProfileApi.LookupAsync(_client, _project, "scraper:" + _secret, users[2]);
        Assert.Equal(HttpStatusCode.OK, third);
        var guard = _veil.Server.Services.GetRequiredService<ExfiltrationGuard>();
        Assert.False(guard.IsSuspended(GuardSubject.Credential, "scraper"));
        var (fourth, body) = await ProfileApi.LookupAsync(_client, _project, "scraper:" + _secret, users[3]);
        Assert.Equal(HttpStatusCode.Forbidden, fourth);
        Assert.Contains("4 distinct persons in the last hour", body?.ToJsonString(), StringComparison.Ordinal);
        Assert.True(guard.IsSuspended(GuardSubject.Credential, "scraper"));
    }

    [Fact]
    public async Task The_owner_sees_the_alert_re_enables_the_credential_and_it_works_again_and_the_ledger_has_it()
    {
        await ExhaustBudgetAsync();
        var accounts = _veil.Server.Accounts;
        var owner = accounts.Store.CreateUser("owner@guard.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(owner.Id, _project, "owner");
        var session = accounts.StartSession(owner, MfaLevel.Totp, accounts.Now);

        using (var list = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{_project}/guard/alerts"))
        {
            list.Headers.Add("Cookie", $"{Access.SessionCookie.Name}={session.Token}");
            var reply = await _client.SendForReplyAsync(list);
            Assert.Equal(200, reply.Status);
            var body = JsonNode.Parse(reply.Text)!;
            var alert = Assert.Single(body["alerts"]!.AsArray(), a => (string)a!["id"]! == "scraper");
            Assert.Equal("budget-exceeded", (string)alert!["kind"]!);
            Assert.Contains(body["suspensions"]!.AsArray(), s => (string)s!["id"]! == "scraper" && (string)s["subject"]! == "credential");
        }

        var ledger = _veil.Server.Services.GetRequiredService<AccessLedger>();
        var before = ledger.Size;
        var (status, _) = await ReenableAsync(session, "credential", "scraper");
        Assert.Equal(HttpStatusCode.OK, status);
        var entry = ledger.ReadEntry(before).Record;
        Assert.Equal("guard.reenable", entry.Action);
        Assert.Equal($"person:{owner.Id}", entry.Principal);
        Assert.Contains("scraper", entry.Query, StringComparison.Ordinal);

        Assert.Equal(200, (await CountAsync()).Status);
        Assert.DoesNotContain(_veil.Server.Services.GetRequiredService<BannerGuardAlertSink>().Active, a => a.Id == "scraper");
        // Nothing left to lift.
        Assert.Equal(HttpStatusCode.NotFound, (await ReenableAsync(session, "credential", "scraper")).Status);
    }

    [Fact]
    public async Task Only_an_owner_or_admin_with_a_fresh_step_up_of_this_project_may_re_enable()
    {
        await ExhaustBudgetAsync();
        var accounts = _veil.Server.Accounts;
        var analyst = accounts.Store.CreateUser("analyst@guard.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(analyst.Id, _project, "analyst");
        var stale = accounts.Store.CreateUser("stale-owner@guard.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(stale.Id, _project, "owner");
        var (other, _, _) = _veil.CreateProject("other");
        var stranger = accounts.Store.CreateUser("stranger@guard.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(stranger.Id, other, "owner");

        Assert.Equal(HttpStatusCode.Forbidden, (await ReenableAsync(accounts.StartSession(analyst, MfaLevel.Totp, accounts.Now), "credential", "scraper")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await ReenableAsync(accounts.StartSession(stale, MfaLevel.Totp, accounts.Now - TimeSpan.FromMinutes(6)), "credential", "scraper")).Status);
        // The owner of another project cannot reach this project's suspensions through their own project either.
        Assert.Equal(HttpStatusCode.NotFound, (await ReenableAsync(accounts.StartSession(stranger, MfaLevel.Totp, accounts.Now), "credential", "scraper", other)).Status);
        // The credential cannot re-enable itself.
        using var self = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{_project}/guard/reenable")
        {
            Content = new StringContent("""{"kind":"credential","id":"scraper"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        Assert.Equal(403, (await _client.SendForReplyAsync(self.WithBasic("scraper", _secret))).Status);
        Assert.Equal(403, (await CountAsync()).Status);
    }

    private async Task<(HttpStatusCode Status, string Text)> ReenableAsync(IssuedSession session, string kind, string id, int? project = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{project ?? _project}/guard/reenable")
        {
            Content = new StringContent(new JsonObject { ["kind"] = kind, ["id"] = id }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", $"{Access.SessionCookie.Name}={session.Token}");
        request.Headers.Add(Access.SessionCookie.CsrfHeader, session.CsrfToken);
        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
