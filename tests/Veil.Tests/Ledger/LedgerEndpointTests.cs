using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Veil.Core.Privacy;
using Veil.Security.Ledger;

namespace Veil.Tests.Ledger;

/// <summary>The ledger's HTTP API on a real server: checkpoints, proofs that verify, and incident reports that are themselves ledgered.</summary>
public sealed class LedgerEndpointTests : IAsyncLifetime
{
    private VeilTestServer _veil = null!;
    private HttpClient _client = null!;
    private int _project;
    private Security.Accounts.IssuedSession _owner = null!;
    private Security.Accounts.IssuedSession _analyst = null!;

    public async Task InitializeAsync()
    {
        _veil = await VeilTestServer.StartAsync();
        _client = _veil.CreateClient(cookies: false);
        _project = _veil.CreateProject("ledger").Id;
        var accounts = _veil.Server.Accounts;
        var owner = accounts.Store.CreateUser("owner@ledger.example", accounts.Hasher.Hash("unused owner passphrase"), false);
        accounts.Store.SetMembership(owner.Id, _project, "owner");
        _owner = accounts.StartSession(owner, Security.Access.MfaLevel.Totp, accounts.Now);
        var analyst = accounts.Store.CreateUser("analyst@ledger.example", accounts.Hasher.Hash("unused analyst passphrase"), false);
        accounts.Store.SetMembership(analyst.Id, _project, "analyst");
        _analyst = accounts.StartSession(analyst, Security.Access.MfaLevel.Totp, accounts.Now);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _veil.DisposeAsync();
    }

    private HttpRequestMessage Get(string path, Security.Accounts.IssuedSession? session = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", $"{Access.SessionCookie.Name}={(session ?? _owner).Token}");
        return request;
    }

    private static List<byte[]> Proof(JsonElement e) => [.. e.GetProperty("proof").EnumerateArray().Select(h => h.GetBytesFromBase64())];

    [Fact]
    public async Task CheckpointsAndProofsVerifyAndIncidentsAreLedgered()
    {
        var ledger = _veil.Server.Services.GetRequiredService<AccessLedger>();
        for (var i = 0; i < 9; i++)
        {
            await ledger.AppendAsync(new AccessRecord
            {
                Principal = "acct-7",
                Credential = "key-leaked",
                ClientIp = IPAddress.Parse("198.51.100.4"),
                Action = "export",
                Project = _project,
                Fields = [new LedgerField("distinct_id", DataClassification.Pseudonymous)],
                Rows = 2,
                Subjects = SubjectSet.Of([new Pseudonym((UInt128)i), new Pseudonym((UInt128)(i + 1))]),
            });
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.GetAsync("/api/ledger/checkpoint")).StatusCode);

        using var first = await _client.SendAsync(Get("/api/ledger/checkpoint"));
        first.EnsureSuccessStatusCode();
        var verifier = CheckpointSigner.FromVerifierKey(first.Headers.GetValues("X-Veil-Verifier-Key").Single());
        var early = verifier.Verify(await first.Content.ReadAsStringAsync())!;
        Assert.Equal(9, early.Size);

        // An analyst reads individuals but not the ledger; only the project's owner or auditor gets incident reports.
        using (var refused = await _client.SendAsync(Get($"/api/projects/{_project}/incident?credential=key-leaked", _analyst)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        using var incident = await _client.SendAsync(Get($"/api/projects/{_project}/incident?credential=key-leaked&format=json"));
        incident.EnsureSuccessStatusCode();
        using (var report = JsonDocument.Parse(await incident.Content.ReadAsStringAsync()))
        {
            Assert.Equal(9, report.RootElement.GetProperty("accesses").GetInt32());
            Assert.Equal(10, report.RootElement.GetProperty("persons").GetInt32());
        }
        Assert.Equal(10, ledger.Size); // the report itself is on the ledger
        Assert.Equal("incident.report", ledger.ReadEntry(9).Record.Action);
        Assert.Equal(10, ledger.ReadEntry(9).Record.Subjects.Count);

        using var second = await _client.SendAsync(Get("/api/ledger/checkpoint"));
        var late = verifier.Verify(await second.Content.ReadAsStringAsync())!;
        Assert.Equal(10, late.Size);

        using var consistency = await _client.SendAsync(Get($"/api/ledger/proof/consistency?from={early.Size}&to={late.Size}"));
        using (var body = JsonDocument.Parse(await consistency.Content.ReadAsStringAsync()))
        {
            Assert.True(MerkleProof.VerifyConsistency((ulong)early.Size, (ulong)late.Size, Proof(body.RootElement), early.Root, late.Root));
        }
        using var inclusion = await _client.SendAsync(Get("/api/ledger/proof/inclusion?index=4&size=10"));
        using (var body = JsonDocument.Parse(await inclusion.Content.ReadAsStringAsync()))
        {
            var leaf = body.RootElement.GetProperty("leafHash").GetBytesFromBase64();
            Assert.True(MerkleProof.VerifyInclusion(4, 10, leaf, Proof(body.RootElement), late.Root));
        }
        using var bad = await _client.SendAsync(Get("/api/ledger/proof/inclusion?index=10&size=10"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
