using System.Text;
using System.Text.Json;
using Veil.Tests.Http;

namespace Veil.Tests.Privacy;

/// <summary>PII hidden in free properties is redacted before the WAL, counted per property and detector, and never reaches disk.</summary>
public class PiiScanTests
{
    private const string Email = "leaky.person@example.net";
    private const string Card = "4111111111111111";
    private const string Iban = "DE89370400440532013000";
    private const string Phone = "+44 20 7946 0958";

    [Fact]
    public async Task Pii_in_free_properties_is_redacted_counted_and_absent_from_disk()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, secret) = server.CreateProject("pii");
        using var client = server.CreateClient();
        var data = $$$"""
            {"event":"Checkout","properties":{"token":"{{{token}}}","distinct_id":"p1","$insert_id":"pii-1",
             "note":"call me at {{{Phone}}} or mail {{{Email}}}","card":{{{Card}}},"payment":{"iban":"{{{Iban}}}"},
             "contacts":[{"email":"{{{Email}}}"}],"password":"hunter2hunter2","plan":"pro","amount":42.5}}
            """;
        var reply = await client.SendForReplyAsync(VeilHttp.Post("/track", "data=" + Uri.EscapeDataString(data)));
        Assert.Equal(200, reply.Status);
        await server.CaughtUpAsync();

        using var hitsResponse = await client.SendAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{id}/privacy/pii-hits").WithBasic(secret));
        Assert.Equal(200, (int)hitsResponse.StatusCode);
        var hits = JsonDocument.Parse(await hitsResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("hits").EnumerateArray()
            .Select(h => (h.GetProperty("property").GetString()!, h.GetProperty("detector").GetString()!)).ToHashSet();
        Assert.Contains(hits, h => h.Item1.StartsWith("note", StringComparison.Ordinal) && h.Item2 == "Email");
        Assert.Contains(hits, h => h.Item1.StartsWith("note", StringComparison.Ordinal) && h.Item2 == "Phone");
        Assert.Contains(hits, h => h.Item1.StartsWith("card", StringComparison.Ordinal) && h.Item2 == "PaymentCard");
        Assert.Contains(hits, h => h.Item1.Contains("iban", StringComparison.Ordinal) && h.Item2 == "Iban");
        Assert.Contains(hits, h => h.Item1.StartsWith("password", StringComparison.Ordinal) && h.Item2 == "SecretByName");
        using (var other = await client.SendAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{id}/privacy/pii-hits")))
        {
            Assert.Equal(401, (int)other.StatusCode);
        }

        using var stopped = await StoppedServer.StopAsync(server);
        var props = JsonDocument.Parse((string)Assert.Single(stopped.Query($"SELECT properties::VARCHAR FROM events WHERE project_id = {id}"))[0]!).RootElement;
        Assert.Equal("pro", props.GetProperty("plan").GetString());
        Assert.Equal(42.5, props.GetProperty("amount").GetDouble());
        Assert.Contains("[email]", props.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Contains("[phone]", props.GetProperty("note").GetString(), StringComparison.Ordinal);
        foreach (var secretValue in new[] { Email, Card, Iban, "7946 0958", "hunter2hunter2" })
        {
            var found = stopped.FindBytes(Encoding.UTF8.GetBytes(secretValue)).ToList();
            Assert.True(found.Count == 0, $"'{secretValue}' found on disk: {string.Join(", ", found.Select(h => h.File + "@" + h.Offset))}");
        }
    }
}
