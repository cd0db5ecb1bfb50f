using System.Text;
using System.Text.Json;
using Veil.Tests.Http;

namespace Veil.Tests.Privacy;

/// <summary>Per-project PII policy through the API: pseudonymise, drop and allow change what the pipeline stores.</summary>
public class PiiPolicyTests
{
    [Fact]
    public async Task Policy_changes_what_is_stored_and_bad_policies_are_refused_with_a_reason()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, secret) = server.CreateProject("policy");
        using var client = server.CreateClient();
        // Changing the policy is project administration: the legacy secret (import + read:aggregate) may only read it.
        var adminSecret = server.CreateServiceAccount(id, "policy-admin", "admin");

        async Task<(int Status, string Body)> PutAsync(string json, string? user = null, string password = "")
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/projects/{id}/privacy/policy") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            using var response = await client.SendAsync(user is null ? request : request.WithBasic(user, password));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(401, (await PutAsync("{}")).Status);
        Assert.Equal(401, (await PutAsync("{}", token)).Status);
        Assert.Equal(403, (await PutAsync("{}", secret)).Status);
        var unknownDetector = await PutAsync("""{"detectors":{"Emial":"drop"}}""", "policy-admin", adminSecret);
        Assert.Equal(400, unknownDetector.Status);
        Assert.Contains("Emial", unknownDetector.Body, StringComparison.Ordinal);
        var unknownAction = await PutAsync("""{"properties":{"note":"shred"}}""", "policy-admin", adminSecret);
        Assert.Equal(400, unknownAction.Status);
        Assert.Contains("note", unknownAction.Body, StringComparison.Ordinal);
        Assert.Equal(400, (await PutAsync("not json", "policy-admin", adminSecret)).Status);
        Assert.Equal(400, (await PutAsync("""{"colour":"red"}""", "policy-admin", adminSecret)).Status);

        Assert.Equal(204, (await PutAsync("""{"detectors":{"Email":"pseudonymise"},"properties":{"card_hint":"drop"},"allow":["support_email"]}""", "policy-admin", adminSecret)).Status);
        using (var get = await client.SendAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{id}/privacy/policy").WithBasic(secret)))
        {
            Assert.Contains("pseudonymise", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var n in new[] { 1, 2 })
        {
            var data = $$$"""{"event":"Policy","properties":{"token":"{{{token}}}","distinct_id":"p{{{n}}}","$insert_id":"pol-{{{n}}}","note":"from same.person@example.com","card_hint":"4111 1111 1111 1111","support_email":"help@shop.example"}}""";
            Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/track", "data=" + Uri.EscapeDataString(data)))).Status);
        }
        await server.CaughtUpAsync();
        using var stopped = await StoppedServer.StopAsync(server);
        var rows = stopped.Query($"SELECT properties::VARCHAR FROM events WHERE project_id = {id} ORDER BY insert_id")
            .Select(r => JsonDocument.Parse((string)r[0]!).RootElement).ToList();
        Assert.Equal(2, rows.Count);
        var notes = rows.Select(r => r.GetProperty("note").GetString()!).ToList();
        Assert.DoesNotContain("same.person@example.com", notes[0], StringComparison.Ordinal);
        Assert.DoesNotContain("[email]", notes[0], StringComparison.Ordinal);
        Assert.Equal(notes[0], notes[1]); // pseudonymised: equal values stay equal, so filters still work
        Assert.All(rows, r => Assert.False(r.TryGetProperty("card_hint", out _)));
        Assert.All(rows, r => Assert.Equal("help@shop.example", r.GetProperty("support_email").GetString()));
    }
}
