using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Veil.Core.Privacy;

namespace Veil.Tests.Http;

/// <summary>
/// Every request the official Mixpanel SDKs sent (Captures/, except session replay's <c>/record</c>) replayed over
/// HTTPS as sent: the SDK gets the exact reply it counts as delivered, the events are stored (but /track events
/// older than five days, which Mixpanel drops), and what lies on disk holds pseudonyms, never the raw identifiers.
/// </summary>
public sealed class GoldenReplayTests
{
    private const long FiveDaysMs = 5L * 24 * 60 * 60 * 1000;

    private static readonly string[] CaptureFiles =
    [
        "mixpanel-node-0.24.0.requests.jsonl",
        "mixpanel-browser-2.83.0.requests.jsonl",
        "mixpanel-browser-2.83.0-json-and-record.requests.jsonl",
        "mixpanel-browser-2.83.0-chromium.requests.jsonl",
    ];

    private static readonly HashSet<string> Endpoints = ["track", "import", "engage", "groups"];

    // Properties whose values identify a person or are personal data: none of them may reach the disk as sent.
    private static readonly HashSet<string> PersonalKeys =
        ["distinct_id", "$distinct_id", "$device_id", "$user_id", "$anon_distinct_id", "alias", "$email", "$ip", "ip"];

    // Query-string parts of the captures' URLs ($current_url, $referrer) that promise 1 cuts (UTM campaign
    // parameters are allow-listed by the URL minimiser, so they are not here).
    private static readonly string[] QueryStrings = ["gclid=XYZ", "q=mixpanel"];

    [Fact]
    public async Task Every_captured_SDK_request_is_acknowledged_stored_and_pseudonymised()
    {
        var server = await VeilTestServer.StartAsync();
        StoppedServer? stopped = null;
        try
        {
            var projects = new Dictionary<string, (int Id, string Token, string Secret)>
            {
                ["TOKEN123"] = server.CreateProject("golden", "TOKEN123"),
                ["test-token-123"] = server.CreateProject("golden-chromium", "test-token-123"),
            };
            var keys = projects.Values.ToDictionary(p => p.Id, p => server.Server.Projects.FindById(p.Id)!.Privacy.PseudonymKey);
            using var client = server.CreateClient();

            var expectedCounts = new Dictionary<(string Token, string Name), int>();
            var expectedRows = new List<string>();
            var expectedProfileUpdates = new Dictionary<int, int>();
            var personal = new HashSet<string>(StringComparer.Ordinal);
            var replayed = 0;
            foreach (var capture in CaptureFiles.SelectMany(CapturedRequest.Load))
            {
                if (!Endpoints.Contains(capture.Endpoint)) continue;
                var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var body = capture.Body.Length == 0 ? null : Encoding.UTF8.GetBytes(capture.Body);
                var reply = await client.SendForReplyAsync(
                    VeilHttp.Request(new HttpMethod(capture.Method), capture.Path + capture.Query, body, capture.ContentType, capture.ContentEncoding));
                Assert.True(reply.Status == 200, $"{capture}: {reply}");
                // The SDKs count a request as delivered only on exactly this body.
                Assert.True((capture.Verbose ? VeilHttp.VerboseOk : "1") == reply.Text, $"{capture}: body `{reply.Text}`");
                replayed++;

                foreach (var item in capture.Items())
                {
                    CollectPersonal(item, personal);
                    if (capture.Endpoint is "track" or "import")
                    {
                        var properties = item["properties"]!.AsObject();
                        var token = (string)properties["token"]!;
                        var name = (string)item["event"]!;
                        var stored = IsStored(capture.Endpoint, properties, nowMs);
                        expectedCounts[(token, name)] = expectedCounts.GetValueOrDefault((token, name)) + (stored ? 1 : 0);
                        if (!stored) continue;
                        var project = projects[token].Id;
                        expectedRows.Add(Row(project, name,
                            DistinctPseudonym(keys[project], properties["distinct_id"]),
                            Pseudonym(keys[project], properties["$device_id"]),
                            Pseudonym(keys[project], properties["$user_id"])));
                    }
                    else
                    {
                        var project = projects[(string)item["$token"]!].Id;
                        expectedProfileUpdates[project] = expectedProfileUpdates.GetValueOrDefault(project) + 1;
                    }
                }
            }
            Assert.True(replayed >= 20, $"only {replayed} requests replayed");
            // Events without a time (the Node SDK's) always get the arrival time, so something is stored whatever the date.
            Assert.NotEmpty(expectedRows);

            await server.CaughtUpAsync();
            foreach (var ((token, name), count) in expectedCounts)
            {
                var project = projects[token];
                Assert.True(count == await client.CountEventsAsync(project.Id, project.Secret, name), $"count of `{name}` in {token}");
            }
            foreach (var project in projects.Values)
            {
                Assert.Equal(expectedRows.Count(r => r.StartsWith($"{project.Id}|", StringComparison.Ordinal)), server.Store.CountEvents(project.Id));
            }

            stopped = await StoppedServer.StopAsync(server);

            // Each stored event carries the pseudonyms of its identifiers, computed with its project's key.
            var rows = stopped.Query("SELECT project_id, event, distinct_id, device_id, user_id, properties FROM events");
            var actualRows = rows.Select(r => Row((int)r[0]!, (string)r[1]!, (Guid?)r[2], (Guid?)r[3], (Guid?)r[4])).ToList();
            Assert.Equal(expectedRows.Order(StringComparer.Ordinal), actualRows.Order(StringComparer.Ordinal));

            var updates = stopped.Query("SELECT project_id, count(*) FROM profile_updates GROUP BY project_id")
                .ToDictionary(r => (int)r[0]!, r => Convert.ToInt32(r[1], CultureInfo.InvariantCulture));
            Assert.Equal(expectedProfileUpdates.OrderBy(p => p.Key), updates.OrderBy(p => p.Key));

            // No raw identifier, email or IP in the free-form JSON columns, not even a short one like "u1".
            var json = rows.Select(r => (string)r[5]!)
                .Concat(stopped.Query("SELECT value FROM profile_updates").Select(r => (string)r[0]!)).ToList();
            foreach (var value in personal)
            {
                var quoted = "\"" + value + "\"";
                var leak = json.FirstOrDefault(j => j.Contains(quoted, StringComparison.OrdinalIgnoreCase));
                Assert.True(leak is null, $"raw `{value}` stored in a JSON column: {leak}");
            }

            // Nor anywhere on disk: WAL, DuckDB, SQLite. Values under 5 bytes ("u1") would match binary data by chance;
            // the column checks above cover them.
            var needles = personal.Where(p => Encoding.UTF8.GetByteCount(p) >= 5).Concat(QueryStrings)
                .SelectMany(p => new[] { p, p.ToLowerInvariant() }).Distinct(StringComparer.Ordinal).ToList();
            Assert.Contains("user-42", needles);
            Assert.Contains("a@b.c", needles);
            Assert.Contains("1.2.3.4", needles);
            Assert.NotEmpty(stopped.Files);
            foreach (var needle in needles)
            {
                var found = stopped.FindBytes(Encoding.UTF8.GetBytes(needle)).ToList();
                Assert.True(found.Count == 0, $"`{needle}` found in {string.Join(", ", found.Select(f => $"{f.File} at {f.Offset} (…{f.Context}…)"))}");
            }
        }
        finally
        {
            if (stopped is not null) stopped.Dispose();
            else await server.DisposeAsync();
        }
    }

    /// <summary>What the validator does: /track drops events older than five days (and <c>$ignore</c>d ones); /import keeps them.</summary>
    private static bool IsStored(string endpoint, JsonObject properties, long nowMs)
    {
        if (properties["$ignore"] is JsonValue ignore && ignore.TryGetValue<bool>(out var ignored) && ignored) return false;
        if (endpoint == "import" || properties["time"] is not { } time) return true;
        var t = time.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? double.Parse((string)time!, CultureInfo.InvariantCulture)
            : time.GetValue<double>();
        var ms = t > 1e11 ? t : t * 1000;
        return ms >= nowMs - FiveDaysMs;
    }

    private static void CollectPersonal(JsonNode? node, HashSet<string> found)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (PersonalKeys.Contains(key) && value is JsonValue v && v.ToString() is { Length: > 0 } text && text != "0") found.Add(text);
                CollectPersonal(value, found);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array) CollectPersonal(item, found);
        }
    }

    private static Guid? Pseudonym(PseudonymKey key, JsonNode? identifier) =>
        identifier is JsonValue v && v.ToString() is { Length: > 0 } text ? key.Compute(text).ToGuid() : null;

    // "$device:<id>" is the device id's pseudonym: an anonymous event's distinct id is its device.
    private static Guid? DistinctPseudonym(PseudonymKey key, JsonNode? identifier) =>
        identifier is JsonValue v && v.ToString() is { Length: > 0 } text ? key.ComputeDistinctId(text).ToGuid() : null;

    private static string Row(int project, string name, Guid? distinctId, Guid? deviceId, Guid? userId) =>
        $"{project}|{name}|{distinctId}|{deviceId}|{userId}";
}
