using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Veil.Security.Guard;
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
}
