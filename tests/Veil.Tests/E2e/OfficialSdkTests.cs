using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Veil.Projects;
using Veil.Tests.Http;
using Xunit.Abstractions;

namespace Veil.Tests.E2e;

/// <summary>
/// The official SDKs from npm, unchanged except their host, against a real Veil over HTTPS: what they send arrives in
/// DuckDB with the expected columns, identifiers only as pseudonyms.
/// </summary>
[Collection("processes")]
public class OfficialSdkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mixpanel_node_sdk_track_import_people_groups_and_alias_arrive()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, secret) = server.CreateProject("node-sdk");
        var run = Guid.NewGuid().ToString("N")[..8];
        var (exit, report, stderr) = await NodeDriver.RunAsync("node-sdk.mjs", new Dictionary<string, string>
        {
            ["VEIL_HOST"] = new Uri(server.BaseUrl).Authority,
            ["VEIL_TOKEN"] = token,
            ["VEIL_SECRET"] = secret,
            ["VEIL_RUN_ID"] = run,
            ["NODE_EXTRA_CA_CERTS"] = server.CertificatePath,
        }, TimeSpan.FromSeconds(90));
        output.WriteLine(report.ToString());
        Assert.True(exit == 0, $"node-sdk.mjs failed ({exit}): {report} {stderr}");
        Assert.Equal(0, report.GetProperty("errors").GetArrayLength());
        await server.CaughtUpAsync();
        var key = server.Server.Projects.FindById(id)!.Privacy.PseudonymKey;
        var reader = "reader:" + server.CreateServiceAccount(id, "reader", "read:individual", "read:aggregate");

        // People operations, in the order the SDK sent them, make the profile; the alias resolves to the same person.
        using (var client = server.CreateClient())
        {
            var distinctId = report.GetProperty("distinctId").GetString()!;
            var (status, person) = await Profiles.ProfileApi.LookupAsync(client, id, reader, distinctId);
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            var expected = new System.Text.Json.Nodes.JsonObject
            {
                ["plan"] = "pro",
                ["run_id"] = run,
                ["first_run"] = run,
                ["logins"] = 3,
                ["pages"] = new System.Text.Json.Nodes.JsonArray("home"),
                ["tags"] = new System.Text.Json.Nodes.JsonArray("a", "b"),
            };
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(expected, person!["properties"]), person!["properties"]!.ToJsonString());
            var (_, alias) = await Profiles.ProfileApi.LookupAsync(client, id, reader, report.GetProperty("aliasId").GetString()!);
            Assert.Equal((string?)person["person"], (string?)alias!["person"]);
            var (groupStatus, group) = await Profiles.ProfileApi.PostAsync(client, id, reader, "groups/lookup",
                new System.Text.Json.Nodes.JsonObject { ["group_key"] = "company", ["group_id"] = report.GetProperty("groupId").GetString() }.ToJsonString());
            Assert.Equal(System.Net.HttpStatusCode.OK, groupStatus);
            Assert.Equal("widgets", (string?)group!["properties"]!["industry"]);
        }

        var rows = await StopAndQueryAsync(server, id);
        var sent = report.GetProperty("sent");
        foreach (var name in new[] { "Node Track", "Node Track Batch", "Node Import", "Node Import Batch", "$create_alias" })
        {
            Assert.Equal(sent.GetProperty(name).GetInt32(), rows.Events.Count(e => e.Name == name));
        }
        var distinct = key.Compute("node-user-" + run).ToGuid();
        Assert.All(rows.Events.Where(e => e.Name.StartsWith("Node", StringComparison.Ordinal)), e => Assert.Equal(distinct, e.DistinctId));
        Assert.All(rows.Events.Where(e => e.Name == "Node Track"), e => Assert.Equal("node", e.Lib));
        Assert.Equal(["$add", "$append", "$set", "$set_once", "$union"], rows.ProfileOps.Where(p => p.Kind == 0).Select(p => p.Op).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains(rows.ProfileOps, p => p.Kind == 1 && p.Op == "$set" && p.GroupKey == "company");
        Assert.DoesNotContain(rows.Events, e => e.Properties.Contains(run, StringComparison.Ordinal) && e.Properties.Contains("node-user", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mixpanel_browser_sdk_in_chromium_tracks_identifies_and_sets_people()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, _) = server.CreateProject("browser-sdk");
        var reader = "reader:" + server.CreateServiceAccount(id, "reader", "read:individual");
        var run = Guid.NewGuid().ToString("N")[..8];
        var (exit, report, stderr) = await NodeDriver.RunAsync("browser-sdk.mjs", new Dictionary<string, string>
        {
            ["VEIL_HOST"] = new Uri(server.BaseUrl).Authority,
            ["VEIL_TOKEN"] = token,
            ["VEIL_RUN_ID"] = run,
            ["VEIL_EVENTS"] = "10",
            ["VEIL_FLUSH_MS"] = "500",
        }, TimeSpan.FromSeconds(120));
        output.WriteLine(report.ToString());
        Assert.True(exit == 0, $"browser-sdk.mjs failed ({exit}): {report} {stderr}");
        Assert.All(report.GetProperty("requests").EnumerateArray(), r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
        await server.CaughtUpAsync();
        var key = server.Server.Projects.FindById(id)!.Privacy.PseudonymKey;
        var deviceId = report.GetProperty("deviceId").GetString()!;

        // identify() merged the device into the user: the anonymous events before it are the user's now. reset() started
        // a new anonymous person, whose one event is not.
        using (var client = server.CreateClient())
        {
            var (status, person) = await Profiles.ProfileApi.LookupAsync(client, id, reader, "user-" + run);
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Equal(12, (long)person!["events"]!);
            Assert.Equal("pro", (string?)person["properties"]!["plan"]);
            var (_, anonymous) = await Profiles.ProfileApi.LookupAsync(client, id, reader, "$device:" + deviceId);
            Assert.Equal((string?)person["person"], (string?)anonymous!["person"]);
            var (_, resetPerson) = await Profiles.ProfileApi.LookupAsync(client, id, reader, "$device:" + report.GetProperty("deviceIdAfterReset").GetString());
            Assert.NotEqual((string?)person["person"], (string?)resetPerson!["person"]);
            Assert.Equal(1, (long)resetPerson["events"]!);
        }

        var rows = await StopAndQueryAsync(server, id);
        var browserEvents = rows.Events.Where(e => e.Name == "Browser Event").ToList();
        Assert.Equal(10, browserEvents.Count);
        Assert.All(browserEvents, e =>
        {
            Assert.Equal(key.ComputeDistinctId("$device:" + deviceId).ToGuid(), e.DistinctId);
            Assert.Equal(key.Compute(deviceId).ToGuid(), e.DeviceId);
            Assert.Equal("Chrome", e.Browser);
            Assert.Equal("Linux", e.Os);
            Assert.Equal("web", e.Lib);
            Assert.Equal("desktop", e.DeviceType);
            Assert.StartsWith("http://127.0.0.1:", e.Url, StringComparison.Ordinal);
            Assert.DoesNotContain("?", e.Url, StringComparison.Ordinal);
        });
        var identify = Assert.Single(rows.Events, e => e.Name == "$identify");
        Assert.Equal(key.Compute("user-" + run).ToGuid(), identify.DistinctId);
        Assert.Equal(key.Compute("user-" + run).ToGuid(), identify.UserId);
        var afterIdentify = Assert.Single(rows.Events, e => e.Name == "After Identify");
        Assert.Equal(key.Compute("user-" + run).ToGuid(), afterIdentify.DistinctId);
        var afterReset = Assert.Single(rows.Events, e => e.Name == "After Reset");
        Assert.NotEqual(afterIdentify.DistinctId, afterReset.DistinctId);
        Assert.Contains(rows.ProfileOps, p => p.Op == "$set" && p.Subject == key.Compute("user-" + run).ToGuid() && p.Value.Contains("\"plan\":\"pro\"", StringComparison.Ordinal));
    }

    internal sealed record EventRow(string Name, Guid? DistinctId, Guid? DeviceId, Guid? UserId, string? Browser, string? Os, string? Lib, string? DeviceType, string? Url, string Properties);

    internal sealed record ProfileRow(int Kind, string? GroupKey, Guid Subject, string Op, string Value);

    internal sealed record Rows(List<EventRow> Events, List<ProfileRow> ProfileOps);

    /// <summary>Stops the server (releasing the DuckDB file) and reads what it stored for a project.</summary>
    internal static async Task<Rows> StopAndQueryAsync(VeilTestServer server, int projectId)
    {
        using var stopped = await StoppedServer.StopAsync(server);
        var events = stopped.Query($"SELECT event, distinct_id, device_id, user_id, browser, os, lib, device_type, url, properties::VARCHAR FROM events WHERE project_id = {projectId}")
            .Select(r => new EventRow((string)r[0]!, (Guid?)r[1], (Guid?)r[2], (Guid?)r[3], (string?)r[4], (string?)r[5], (string?)r[6], (string?)r[7], (string?)r[8], (string)r[9]!))
            .ToList();
        var ops = stopped.Query($"SELECT kind, group_key, subject, operation, value::VARCHAR FROM profile_updates WHERE project_id = {projectId}")
            .Select(r => new ProfileRow(Convert.ToInt32(r[0], System.Globalization.CultureInfo.InvariantCulture), (string?)r[1], (Guid)r[2]!, (string)r[3]!, (string)r[4]!))
            .ToList();
        return new Rows(events, ops);
    }
}
