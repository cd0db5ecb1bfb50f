using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Veil.Security.Accounts;
using Veil.Security.Guard;
using Veil.Security.Ledger;
using Veil.Tests.Http;
using Veil.Tests.Profiles;

namespace Veil.Tests.Ledger;

/// <summary>
/// Promise 3 on the real read paths: every read is on the ledger before a byte leaves, naming exactly the persons it
/// exposed; a read the ledger cannot record returns nothing; and the breach drill — a phished analyst browsing profiles
/// until the exfiltration guard stops them — is answered exactly by the incident report.
/// </summary>
public sealed class LedgeredReadTests : IAsyncLifetime
{
    private VeilTestServer _veil = null!;
    private HttpClient _client = null!;
    private int _project;
    private string _token = "";
    private string _reader = "";

    public async Task InitializeAsync()
    {
        // A small budget so the drill reaches it quickly: 5 distinct persons per hour per credential.
        _veil = await VeilTestServer.StartAsync(guard: new GuardOptions { Credential = new Budget(5, 50, 1_000), Principal = new Budget(5, 50, 1_000) });
        _client = _veil.CreateClient(cookies: false);
        (_project, _token, _) = _veil.CreateProject("ledgered");
        _reader = "reader:" + _veil.CreateServiceAccount(_project, "reader", "read:individual", "read:aggregate");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _veil.DisposeAsync();
    }

    private AccessLedger Ledger => _veil.Server.Services.GetRequiredService<AccessLedger>();

    private async Task SeedAsync(params string[] users)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        var events = users.Select((u, i) => (JsonNode)Payloads.Event("Seen", _token, u, JsonValue.Create(now + i), $"seed-{u}")).ToArray();
        var reply = await _client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(events))));
        reply.AssertOk(VeilHttp.VerboseOk);
        await _veil.CaughtUpAsync();
    }

    [Fact]
    public async Task A_profile_read_is_ledgered_with_its_person_and_an_aggregate_with_none()
    {
        await SeedAsync("ledgered-1");
        var before = Ledger.Size;
        var (status, body) = await ProfileApi.LookupAsync(_client, _project, _reader, "ledgered-1");
        Assert.Equal(HttpStatusCode.OK, status);
        var entry = Ledger.ReadEntry(before).Record;
        Assert.Equal("profile.lookup", entry.Action);
        Assert.Equal(_project, entry.Project);
        Assert.Equal("service-account:reader", entry.Principal);
        Assert.Contains("read:individual", entry.Scopes);
        Assert.Equal([UInt128.Parse((string)body!["person"]!, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)], entry.Subjects.Values);
        Assert.All(entry.Fields, f => Assert.Equal(DataClassification.Pseudonymous, f.Classification));
        // The ledger holds the pseudonym, never the id the caller sent.
        Assert.DoesNotContain("ledgered-1", entry.Query, StringComparison.Ordinal);

        using var count = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{_project}/events/count");
        Assert.Equal(200, (await _client.SendForReplyAsync(count.WithBasic("reader", _reader["reader:".Length..]))).Status);
        var aggregate = Ledger.ReadEntry(before + 1).Record;
        Assert.Equal("events.count", aggregate.Action);
        Assert.Equal(0, aggregate.Subjects.Count);
    }

    [Fact]
    public async Task When_the_ledger_cannot_record_the_read_returns_nothing()
    {
        await SeedAsync("unrecorded-1");
        // The ledger is gone (as after a failed disk): every append fails.
        await Ledger.DisposeAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{_project}/profiles/events")
        {
            Content = new StringContent("""{"distinct_id":"unrecorded-1"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        var reply = await _client.SendForReplyAsync(request.WithBasic("reader", _reader["reader:".Length..]));
        Assert.Equal(503, reply.Status);
        Assert.Contains("access ledger", reply.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Seen", reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"events\"", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Breach_drill_the_guard_stops_the_phished_analyst_and_the_incident_report_is_exact()
    {
        var users = Enumerable.Range(0, 12).Select(i => $"victim-{i}").ToArray();
        await SeedAsync(users);
        var accounts = _veil.Server.Accounts;
        // The phished analyst: the attacker holds a fully signed-in session.
        var analyst = accounts.Store.CreateUser("phished@drill.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(analyst.Id, _project, "analyst");
        var session = accounts.StartSession(analyst, Security.Access.MfaLevel.Totp, accounts.Now);
        var owner = accounts.Store.CreateUser("owner@drill.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(owner.Id, _project, "owner");
        var ownerSession = accounts.StartSession(owner, Security.Access.MfaLevel.Totp, accounts.Now);

        var exposed = new List<string>();
        var refused = 0;
        foreach (var user in users)
        {
            var (status, body) = await PostAsync(session, "profiles/events", new JsonObject { ["distinct_id"] = user });
            if (status == HttpStatusCode.OK) exposed.Add((string)body!["person"]!);
            else
            {
                Assert.Equal(HttpStatusCode.Forbidden, status);
                Assert.Contains("budget", body!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
                refused++;
            }
        }
        // The budget is 5 persons an hour: the sixth was refused and the session suspended, so nothing more left.
        Assert.Equal(5, exposed.Count);
        Assert.Equal(users.Length - 5, refused);
        var (again, _) = await PostAsync(session, "profiles/lookup", new JsonObject { ["distinct_id"] = users[0] });
        Assert.Equal(HttpStatusCode.Forbidden, again);

        // "What was taken, and whose?" — the owner's incident report for the analyst, exactly the drill's ground truth.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{_project}/incident?principal=person:{analyst.Id}&format=json");
        request.Headers.Add("Cookie", $"{Access.SessionCookie.Name}={ownerSession.Token}");
        var reply = await _client.SendForReplyAsync(request);
        Assert.Equal(200, reply.Status);
        var report = JsonNode.Parse(reply.Text)!;
        Assert.Equal(5, (int)report["persons"]!);
        Assert.Equal(5, (int)report["accesses"]!);
        var persons = report["affectedPersons"]!.AsArray().Select(p => (string)p!["pseudonym"]!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(exposed.Order(StringComparer.Ordinal).ToList(), persons);
        Assert.Contains("events", report["fields"]!.ToJsonString(), StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(IssuedSession session, string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{_project}/{path}")
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", $"{Access.SessionCookie.Name}={session.Token}");
        request.Headers.Add(Access.SessionCookie.CsrfHeader, session.CsrfToken);
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
