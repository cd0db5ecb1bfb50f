using System.Text.Json;
using System.Text.Json.Nodes;
using Veil.Tests.Http;

namespace Veil.Tests.Query;

/// <summary>Reports over HTTP: events imported with the project secret, then queried through /api/projects/{id}/query/….</summary>
public sealed class QueryApiTests : IAsyncLifetime
{
    private VeilTestServer _veil = null!;
    private HttpClient _client = null!;
    private (int Id, string Token, string Secret) _project;
    private string _analyst = "";

    public async Task InitializeAsync()
    {
        _veil = await VeilTestServer.StartAsync();
        _client = _veil.CreateClient();
        _project = _veil.CreateProject("reports");
        // An analyst's credential: may read individuals, so reports are not thresholded (the project secret's are).
        _analyst = _veil.CreateServiceAccount(_project.Id, "analyst", "read:aggregate", "read:individual");
        // Three users sign up an hour or two ago; two of them purchase within minutes; one only views.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 7200;
        JsonObject Event(string name, string user, long time, string plan)
        {
            var e = Payloads.ImportEvent(name, user, JsonValue.Create(time));
            e["properties"]!["plan"] = plan;
            return e;
        }
        var body = Payloads.Array(
            Event("Signup", "ann", now, "pro"), Event("Purchase", "ann", now + 60, "pro"),
            Event("Signup", "bob", now + 5, "free"), Event("Purchase", "bob", now + 305, "free"),
            Event("Signup", "cy", now + 10, "free"), Event("View", "cy", now + 20, "free"));
        var reply = await _client.SendForReplyAsync(VeilHttp.Post("/import?strict=1", body, VeilHttp.Json).WithBasic(_project.Secret));
        Assert.Equal(200, reply.Status);
        await _veil.CaughtUpAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _veil.DisposeAsync();
    }

    [Fact]
    public async Task A_funnel_counts_conversions_per_step()
    {
        var reply = await QueryAsync("funnels", """{"dateRange":{"last":2},"steps":[{"event":"Signup"},{"event":"Purchase"}],"window":{"value":1,"unit":"hour"}}""");
        Assert.True(reply.Status == 200, reply.Text);
        var steps = JsonNode.Parse(reply.Text)!["rows"]![0]!["steps"]!.AsArray();
        Assert.Equal(3, (int)steps[0]!["count"]!);
        Assert.Equal(2, (int)steps[1]!["count"]!);
        Assert.Equal(180.0, (double)steps[1]!["medianSecondsToConvert"]!);
    }

    [Fact]
    public async Task Without_individual_access_cells_under_k_persons_are_suppressed()
    {
        // The project secret may read aggregates only: k = 5 applies, and three people are too few to show.
        const string query = """{"dateRange":{"last":2},"steps":[{"event":"Signup"},{"event":"Purchase"}],"window":{"value":1,"unit":"hour"}}""";
        var thresholded = await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/query/funnels", query, VeilHttp.Json).WithBasic(_project.Secret));
        Assert.True(thresholded.Status == 200, thresholded.Text);
        var steps = JsonNode.Parse(thresholded.Text)!["rows"]![0]!["steps"]!.AsArray();
        Assert.All(steps, step => Assert.Null(step!["count"]));
        Assert.DoesNotContain("\"count\":3", thresholded.Text, StringComparison.Ordinal);
        var open = await QueryAsync("funnels", query);
        Assert.Equal(3, (int)JsonNode.Parse(open.Text)!["rows"]![0]!["steps"]![0]!["count"]!);
    }

    [Fact]
    public async Task Insights_break_down_unique_persons_by_a_property()
    {
        var reply = await QueryAsync("insights", """{"dateRange":{"last":2},"interval":"total","series":[{"event":"Signup","measure":"unique"}],"breakdown":"plan"}""");
        Assert.True(reply.Status == 200, reply.Text);
        var rows = JsonNode.Parse(reply.Text)!["series"]![0]!["rows"]!.AsArray()
            .ToDictionary(r => (string)r!["breakdown"]![0]!, r => (double)r!["values"]![0]!);
        Assert.Equal(new Dictionary<string, double> { ["free"] = 2, ["pro"] = 1 }, rows);
    }

    [Fact]
    public async Task Retention_counts_signups_who_purchase()
    {
        var reply = await QueryAsync("retention", """{"dateRange":{"last":2},"born":{"event":"Signup"},"return":{"event":"Purchase"},"unit":"day","periods":1,"unbounded":true}""");
        Assert.True(reply.Status == 200, reply.Text);
        var all = JsonNode.Parse(reply.Text)!["rows"]!.AsArray().Single(r => r!["cohort"] is null)!;
        Assert.Equal(3, (int)all["size"]!);
    }

    [Fact]
    public async Task A_saved_cohort_filters_reports_and_reports_its_size()
    {
        var created = await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/cohorts",
            """{"name":"Buyers","criteria":[{"did":"Purchase","withinDays":7}]}""", VeilHttp.Json).WithBasic("analyst", _analyst));
        Assert.True(created.Status == 201, created.Text);
        var cohortId = (long)JsonNode.Parse(created.Text)!["id"]!;
        var read = await _client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{_project.Id}/cohorts/{cohortId}").WithBasic("analyst", _analyst));
        Assert.Equal(2, (int)JsonNode.Parse(read.Text)!["size"]!);
        var reply = await QueryAsync("insights", $$"""{"dateRange":{"last":2},"interval":"total","series":[{"event":"Signup","measure":"unique","filters":[{"operator":"notInCohort","cohort":{{cohortId}}}]}]}""");
        Assert.True(reply.Status == 200, reply.Text);
        Assert.Equal(1.0, (double)JsonNode.Parse(reply.Text)!["series"]![0]!["rows"]![0]!["values"]![0]!);
        var dropped = await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/cohorts",
            """{"name":"Signed up, never bought","criteria":[{"droppedAfter":{"funnel":{"dateRange":{"last":2},"steps":[{"event":"Signup"},{"event":"Purchase"}]},"step":1}}]}""",
            VeilHttp.Json).WithBasic("analyst", _analyst));
        Assert.True(dropped.Status == 201, dropped.Text);
        var droppedRead = await _client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{_project.Id}/cohorts/{(long)JsonNode.Parse(dropped.Text)!["id"]!}")
            .WithBasic("analyst", _analyst));
        Assert.Equal(1, (int)JsonNode.Parse(droppedRead.Text)!["size"]!);
        (await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/cohorts", """{"name":"x","criteria":[{"did":"A","atLeast":0}]}""", VeilHttp.Json)
            .WithBasic("analyst", _analyst))).AssertRefused(400, "atLeast");
        var deleted = await _client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Delete, $"/api/projects/{_project.Id}/cohorts/{cohortId}").WithBasic("analyst", _analyst));
        Assert.Equal(204, deleted.Status);
        (await QueryAsync("insights", $$"""{"series":[{"event":"Signup","filters":[{"operator":"inCohort","cohort":{{cohortId}}}]}]}""")).AssertRefused(400, "no cohort");
    }

    [Fact]
    public async Task Funnels_take_any_and_strict_order()
    {
        foreach (var order in new[] { "any", "strict" })
        {
            var reply = await QueryAsync("funnels", $$$"""{"dateRange":{"last":2},"order":"{{{order}}}","steps":[{"event":"Signup"},{"event":"Purchase"}],"window":{"value":1,"unit":"hour"}}""");
            Assert.True(reply.Status == 200, reply.Text);
            Assert.Equal(2, (int)JsonNode.Parse(reply.Text)!["rows"]![0]!["steps"]![1]!["count"]!);
        }
        (await QueryAsync("funnels", """{"order":"random","steps":[{"event":"Signup"},{"event":"Purchase"}]}""")).AssertRefused(400, "order");
    }

    [Fact]
    public async Task A_static_cohort_keeps_its_members_when_later_events_arrive()
    {
        var created = await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/cohorts",
            """{"name":"Buyers then","static":true,"criteria":[{"did":"Purchase"}]}""", VeilHttp.Json).WithBasic("analyst", _analyst));
        Assert.True(created.Status == 201, created.Text);
        var cohortId = (long)JsonNode.Parse(created.Text)!["id"]!;
        var later = Payloads.ImportEvent("Purchase", "cy", JsonValue.Create(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60));
        Assert.Equal(200, (await _client.SendForReplyAsync(VeilHttp.Post("/import?strict=1", Payloads.Array(later), VeilHttp.Json).WithBasic(_project.Secret))).Status);
        await _veil.CaughtUpAsync();
        var read = await _client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{_project.Id}/cohorts/{cohortId}").WithBasic("analyst", _analyst));
        Assert.Equal(2, (int)JsonNode.Parse(read.Text)!["size"]!);
        var reply = await QueryAsync("insights", $$"""{"dateRange":{"last":2},"interval":"total","series":[{"event":"Signup","measure":"unique","filters":[{"operator":"inCohort","cohort":{{cohortId}}}]}]}""");
        Assert.Equal(2.0, (double)JsonNode.Parse(reply.Text)!["series"]![0]!["rows"]![0]!["values"]![0]!);
        // Saving it again takes a new snapshot, now with cy.
        var saved = await _client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Put, $"/api/projects/{_project.Id}/cohorts/{cohortId}",
            System.Text.Encoding.UTF8.GetBytes("""{"name":"Buyers now","static":true,"criteria":[{"did":"Purchase"}]}"""), VeilHttp.Json).WithBasic("analyst", _analyst));
        Assert.True(saved.Status == 200, saved.Text);
        read = await _client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Get, $"/api/projects/{_project.Id}/cohorts/{cohortId}").WithBasic("analyst", _analyst));
        Assert.Equal(3, (int)JsonNode.Parse(read.Text)!["size"]!);
    }

    [Fact]
    public async Task Unique_groups_needs_a_group_key()
    {
        var reply = await QueryAsync("insights", """{"dateRange":{"last":2},"interval":"total","series":[{"event":"Signup","measure":"uniqueGroups","groupKey":"company"}]}""");
        Assert.True(reply.Status == 200, reply.Text);
        var series = JsonNode.Parse(reply.Text)!["series"]![0]!;
        Assert.Equal("uniqueGroups", (string)series["measure"]!);
        Assert.Equal(0.0, (double)series["rows"]![0]!["values"]![0]!);
        (await QueryAsync("insights", """{"series":[{"event":"Signup","measure":"uniqueGroups"}]}""")).AssertRefused(400, "groupKey");
    }

    [Fact]
    public async Task Insights_break_down_by_a_cohort()
    {
        var created = await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/cohorts",
            """{"name":"Buyers","criteria":[{"did":"Purchase"}]}""", VeilHttp.Json).WithBasic("analyst", _analyst));
        var cohortId = (long)JsonNode.Parse(created.Text)!["id"]!;
        var reply = await QueryAsync("insights", $$$"""{"dateRange":{"last":2},"interval":"total","series":[{"event":"Signup","measure":"unique"}],"breakdown":{"cohort":{{{cohortId}}}}}""");
        Assert.True(reply.Status == 200, reply.Text);
        var rows = JsonNode.Parse(reply.Text)!["series"]![0]!["rows"]!.AsArray()
            .ToDictionary(r => (string)r!["breakdown"]![0]!, r => (double)r!["values"]![0]!);
        Assert.Equal(new Dictionary<string, double> { ["in cohort"] = 2, ["not in cohort"] = 1 }, rows);
    }

    [Fact]
    public async Task Funnels_and_retention_break_down_by_a_cohort()
    {
        var created = await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/cohorts",
            """{"name":"Buyers","criteria":[{"did":"Purchase"}]}""", VeilHttp.Json).WithBasic("analyst", _analyst));
        var cohortId = (long)JsonNode.Parse(created.Text)!["id"]!;
        var funnel = await QueryAsync("funnels", $$$"""{"dateRange":{"last":2},"steps":[{"event":"Signup"},{"event":"Purchase"}],"window":{"value":1,"unit":"hour"},"breakdown":{"cohort":{{{cohortId}}}}}""");
        Assert.True(funnel.Status == 200, funnel.Text);
        var steps = JsonNode.Parse(funnel.Text)!["rows"]!.AsArray().Where(r => r!["breakdown"] is not null)
            .ToDictionary(r => (string)r!["breakdown"]![0]!, r => string.Join(",", r!["steps"]!.AsArray().Select(st => (int)st!["count"]!)));
        Assert.Equal(new Dictionary<string, string> { ["in cohort"] = "2,2", ["not in cohort"] = "1,0" }, steps);

        var retention = await QueryAsync("retention", $$$"""{"dateRange":{"last":2},"born":{"event":"Signup"},"return":{"event":"Purchase"},"unit":"day","periods":1,"unbounded":true,"breakdown":{"cohort":{{{cohortId}}}}}""");
        Assert.True(retention.Status == 200, retention.Text);
        var sizes = JsonNode.Parse(retention.Text)!["rows"]!.AsArray().Where(r => r!["cohort"] is null && r["breakdown"] is not null)
            .ToDictionary(r => (string)r!["breakdown"]![0]!, r => (int)r!["size"]!);
        Assert.Equal(new Dictionary<string, int> { ["in cohort"] = 2, ["not in cohort"] = 1 }, sizes);
    }

    [Fact]
    public async Task Flows_are_sankey_nodes_and_links()
    {
        var reply = await QueryAsync("flows", """{"dateRange":{"last":2},"anchor":{"event":"Signup"},"steps":1}""");
        Assert.True(reply.Status == 200, reply.Text);
        var links = JsonNode.Parse(reply.Text)!["links"]!.AsArray().ToDictionary(l => (string)l!["target"]!, l => (int)l!["persons"]!);
        Assert.Equal(new Dictionary<string, int> { ["1:Purchase"] = 2, ["1:View"] = 1 }, links);
    }

    [Fact]
    public async Task Bad_queries_are_refused_with_problem_details()
    {
        var steps = string.Join(",", Enumerable.Range(0, 11).Select(i => $$"""{"event":"E{{i}}"}"""));
        var tooMany = await QueryAsync("funnels", $$"""{"steps":[{{steps}}]}""");
        tooMany.AssertRefused(400, "2-10 steps");
        Assert.Equal("application/problem+json", tooMany.ContentType);
        (await QueryAsync("insights", """{"series":[{"event":"Signup"}],"breakdown":"x\"); DROP TABLE events; --"}""")).AssertRefused(400, "quotes");
        (await QueryAsync("insights", """{"series":[{"event":"Signup","filters":[{"property":"plan","operator":"regex","value":"(a+)+\\1"}]}]}""")).AssertRefused(400, "regular expression");
        (await QueryAsync("funnels", """{"steps":[{"event":"A"},{"event":"B"}],"windowSeconds":0}""")).AssertRefused(400, "window");
        (await QueryAsync("retention-ish", "{}")).AssertRefused(404);
        (await QueryAsync("insights", "{not json")).AssertRefused(400, "JSON");
        var anonymous = await _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/query/insights", "{}", VeilHttp.Json));
        anonymous.AssertRefused(401);
    }

    [Fact]
    public async Task Values_that_look_like_SQL_are_just_values()
    {
        var reply = await QueryAsync("insights", """{"interval":"total","series":[{"event":"Signup' OR '1'='1","filters":[{"property":"plan'; --","operator":"equals","value":"' OR 1=1 --"}]}]}""");
        Assert.True(reply.Status == 200, reply.Text);
        Assert.Empty(JsonNode.Parse(reply.Text)!["series"]![0]!["rows"]!.AsArray());
    }

    private Task<Reply> QueryAsync(string kind, string json) =>
        _client.SendForReplyAsync(VeilHttp.Post($"/api/projects/{_project.Id}/query/{kind}", json, VeilHttp.Json).WithBasic("analyst", _analyst));
}
