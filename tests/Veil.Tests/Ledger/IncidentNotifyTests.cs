using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Veil.Security.Access;
using Veil.Security.Accounts;
using Veil.Security.Ledger;
using Veil.Tests.Http;
using Veil.Tests.Profiles;

namespace Veil.Tests.Ledger;

/// <summary>
/// "Whom do we tell?": after a credential read a profile, the owner's notification list names that person's email from
/// the vault, and the lookup itself is on the ledger with the person as subject and <c>$email</c> as vault PII.
/// </summary>
public sealed class IncidentNotifyTests : IAsyncLifetime
{
    private const string Email = "notify.me@victim.example";
    private VeilTestServer _veil = null!;
    private HttpClient _client = null!;
    private int _project;
    private string _token = "";
    private string _secret = "";

    public async Task InitializeAsync()
    {
        _veil = await VeilTestServer.StartAsync();
        _client = _veil.CreateClient(cookies: false);
        (_project, _token, _) = _veil.CreateProject("notify");
        _secret = _veil.CreateServiceAccount(_project, "leaky", "read:individual");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _veil.DisposeAsync();
    }

    [Fact]
    public async Task The_owner_gets_the_affected_persons_emails_and_the_lookup_is_ledgered_first()
    {
        var set = $$$"""{"$token":"{{{_token}}}","$distinct_id":"victim-n","$set":{"$email":"{{{Email}}}","plan":"pro"}}""";
        Assert.Equal(200, (await _client.SendForReplyAsync(VeilHttp.Post("/engage/?verbose=1", "data=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes("[" + set + "]")))))).Status);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        var track = Payloads.Array(Payloads.Event("Seen", _token, "victim-n", JsonValue.Create(now), "notify-seen"));
        (await _client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", Payloads.FormData(track)))).AssertOk(VeilHttp.VerboseOk);
        await _veil.CaughtUpAsync();
        var (status, body) = await ProfileApi.LookupAsync(_client, _project, "leaky:" + _secret, "victim-n");
        Assert.Equal(HttpStatusCode.OK, status);
        var person = (string)body!["person"]!;

        var accounts = _veil.Server.Accounts;
        var owner = accounts.Store.CreateUser("owner@notify.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(owner.Id, _project, "owner");
        var admin = accounts.Store.CreateUser("admin@notify.example", accounts.Hasher.Hash("unused drill passphrase"), false);
        accounts.Store.SetMembership(admin.Id, _project, "admin");

        Assert.Equal(403, (await NotifyAsync(accounts.StartSession(admin, MfaLevel.Totp, accounts.Now), """{"credential":"leaky"}""")).Status);
        Assert.Equal(403, (await NotifyAsync(accounts.StartSession(owner, MfaLevel.Totp, accounts.Now - TimeSpan.FromMinutes(6)), """{"credential":"leaky"}""")).Status);
        Assert.Equal(400, (await NotifyAsync(accounts.StartSession(owner, MfaLevel.Totp, accounts.Now), "{}")).Status);

        var ledger = _veil.Server.Services.GetRequiredService<AccessLedger>();
        var before = ledger.Size;
        var reply = await NotifyAsync(accounts.StartSession(owner, MfaLevel.Totp, accounts.Now), """{"credential":"leaky"}""");
        Assert.Equal(200, reply.Status);
        var list = JsonNode.Parse(reply.Text)!;
        var contact = Assert.Single(list["contacts"]!.AsArray());
        Assert.Equal(person, (string)contact!["pseudonym"]!);
        Assert.Equal(Email, (string)contact["email"]!);

        var entry = ledger.ReadEntry(before).Record;
        Assert.Equal("incident.contacts", entry.Action);
        Assert.Equal($"person:{owner.Id}", entry.Principal);
        Assert.Contains(entry.Fields, f => f.Name == "$email" && f.Classification == DataClassification.VaultPii);
        Assert.Equal([UInt128.Parse(person, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture)], entry.Subjects.Values);
        Assert.DoesNotContain(Email, entry.Query, StringComparison.Ordinal);
    }

    private Task<Reply> NotifyAsync(IssuedSession session, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{_project}/incident/notify")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", $"{Access.SessionCookie.Name}={session.Token}");
        request.Headers.Add(Access.SessionCookie.CsrfHeader, session.CsrfToken);
        return _client.SendForReplyAsync(request);
    }
}
