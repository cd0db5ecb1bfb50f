using System.Text.Json;
using Veil.Tests.Http;

namespace Veil.Tests.Privacy;

/// <summary>The data inventory: what is stored, classified, through the API and the CLI.</summary>
[Collection("processes")]
public class InventoryTests
{
    [Fact]
    public async Task Inventory_lists_columns_properties_and_vault_with_classifications()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, secret) = server.CreateProject("inventory");
        using var client = server.CreateClient();
        var data = $$$"""{"event":"Bought","properties":{"token":"{{{token}}}","distinct_id":"inv-1","plan":"pro","note":"mail me at inv@example.org","$anon_distinct_id":"$device:x"}}""";
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/track", "data=" + Uri.EscapeDataString(data)))).Status);
        var set = $$$"""{"$token":"{{{token}}}","$distinct_id":"inv-1","$set":{"$email":"inv@example.org"}}""";
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/engage", "data=" + Uri.EscapeDataString(set)))).Status);
        await server.CaughtUpAsync();

        using (var anonymous = await client.SendAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{id}/inventory")))
        {
            Assert.Equal(401, (int)anonymous.StatusCode);
        }
        using var response = await client.SendAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{id}/inventory").WithBasic(secret));
        Assert.Equal(200, (int)response.StatusCode);
        var entries = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("entries").EnumerateArray()
            .ToDictionary(e => (e.GetProperty("where").GetString()!, e.GetProperty("name").GetString()!), e => e);
        Assert.Equal("pseudonym", entries[("events column", "distinct_id")].GetProperty("classification").GetString());
        Assert.Equal("free property", entries[("event property", "plan")].GetProperty("classification").GetString());
        Assert.Equal("pseudonym", entries[("event property", "$anon_distinct_id")].GetProperty("classification").GetString());
        Assert.True(entries[("event property", "note")].GetProperty("pii_detections").GetInt64() >= 1);
        Assert.Equal("vault PII", entries[("identity vault", "$email")].GetProperty("classification").GetString());
        Assert.Equal(1, entries[("identity vault", "(entries)")].GetProperty("events").GetInt64());
        Assert.DoesNotContain(entries.Keys, k => k.Item1 == "event property" && (k.Item2 == "token" || k.Item2 == "distinct_id"));

        // Offline: the CLI reads the stopped data directory.
        await server.Server.DisposeAsync();
        var config = Directory.CreateTempSubdirectory("veil-inv-").FullName;
        var (exit, output) = await VeilProcess.RunCliAsync(config, "inventory", "--data", server.DataDirectory, "--project", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Directory.Delete(config, recursive: true);
        Assert.True(exit == 0, output);
        var offline = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("entries").EnumerateArray()
            .ToDictionary(e => (e.GetProperty("where").GetString()!, e.GetProperty("name").GetString()!), e => e);
        Assert.Equal("free property", offline[("event property", "plan")].GetProperty("classification").GetString());
        Assert.Equal("vault PII", offline[("identity vault", "$email")].GetProperty("classification").GetString());
        // Detection counts were persisted at shutdown, so the offline inventory still has them.
        Assert.True(offline[("event property", "note")].GetProperty("pii_detections").GetInt64() >= 1);
        Directory.Delete(server.Root, recursive: true);
    }
}
