using System.Text.Json;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Veil.Projects;
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
        Directory.Delete(server.Root, recursive: true);
    }

    [Fact]
    public async Task Mixpanel_browser_sdk_in_chromium_tracks_identifies_and_sets_people()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, _) = server.CreateProject("browser-sdk");
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

        var rows = await StopAndQueryAsync(server, id);
        var browserEvents = rows.Events.Where(e => e.Name == "Browser Event").ToList();
        Assert.Equal(10, browserEvents.Count);
        Assert.All(browserEvents, e =>
        {
            Assert.Equal(key.Compute("$device:" + deviceId).ToGuid(), e.DistinctId);
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
        Directory.Delete(server.Root, recursive: true);
    }

    internal sealed record EventRow(string Name, Guid? DistinctId, Guid? DeviceId, Guid? UserId, string? Browser, string? Os, string? Lib, string? DeviceType, string? Url, string Properties);

    internal sealed record ProfileRow(int Kind, string? GroupKey, Guid Subject, string Op, string Value);

    internal sealed record Rows(List<EventRow> Events, List<ProfileRow> ProfileOps);

    /// <summary>Stops the server (releasing the DuckDB file) and reads what it stored for a project.</summary>
    internal static async Task<Rows> StopAndQueryAsync(VeilTestServer server, int projectId)
    {
        await server.Server.DisposeAsync();
        using var connection = new DuckDBConnection($"Data Source={Path.Combine(server.DataDirectory, "events.duckdb")}");
        connection.Open();
        var events = new List<EventRow>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT event, distinct_id, device_id, user_id, browser, os, lib, device_type, url, properties::VARCHAR FROM events WHERE project_id = $p";
            command.Parameters.Add(new DuckDBParameter("p", projectId));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                events.Add(new EventRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetGuid(2),
                    reader.IsDBNull(3) ? null : reader.GetGuid(3), Str(reader, 4), Str(reader, 5), Str(reader, 6), Str(reader, 7), Str(reader, 8), reader.GetString(9)));
            }
        }
        var ops = new List<ProfileRow>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT kind, group_key, subject, operation, value::VARCHAR FROM profile_updates WHERE project_id = $p";
            command.Parameters.Add(new DuckDBParameter("p", projectId));
            using var reader = command.ExecuteReader();
            while (reader.Read()) ops.Add(new ProfileRow(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Str(reader, 1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4)));
        }
        return new Rows(events, ops);
    }

    private static string? Str(System.Data.Common.DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
