using System.Diagnostics;
using Veil.Core.Events;
using Veil.Query.Model;
using Veil.Query.Reference;
using Veil.Query.Sql;

namespace Veil.Query.Tests;

/// <summary>Nothing from a query reaches SQL text unescaped: values are parameters, names are validated and escaped JSON-pointer literals.</summary>
public sealed class InjectionTests : IDisposable
{
    private static readonly string[] Hostile =
    [
        "'; DROP TABLE events; --", "' OR '1'='1", "$.a') OR 1=1 --", "a.b", "a[0]", "*", "$", "..", "a b", "é✓", "%_", "{}", "\u2028", "a/b", "~1", "~", "[*]", "$.*",
    ];

    private readonly QueryStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Hostile_names_and_values_are_parameters_and_match_literally()
    {
        var events = Hostile.Select((h, i) => new StoredEvent
        {
            Name = h,
            TimeMs = 1_772_409_600_000 + i,
            InsertId = "i" + i,
            DistinctId = Generators.Id(i),
            PropertiesJson = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [h] = h }, TestJson.Options),
            IngestedAtMs = 1,
        }).ToList();
        var data = new ReferenceData(events, new Dictionary<Guid, Guid>(), new Dictionary<Guid, string>());
        var project = _store.Load(data);
        var range = DateRange.Absolute(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 3));
        foreach (var h in Hostile)
        {
            var filter = new PropertyFilter(new PropertyRef(h), FilterOperator.Equals, [h], []);
            var query = new InsightsQuery(range, "UTC", Interval.Total, [new(h, Measure.Total, [filter])], [filter], [new PropertyRef(h)], 10, null);
            var resolved = TimeZones.Resolve(range, "UTC", QueryStore.Now);
            var statement = new InsightsPlanner(DuckDbDialect.Instance).Plan(project, query, 0, resolved);
            // Names appear only as escaped JSON-pointer literals; values never appear. (Short strings such as "*" occur in any SQL.)
            var withoutNames = statement.Text.Replace(DuckDbDialect.Instance.StringLiteral(PropertyNames.JsonPath(h)), "", StringComparison.Ordinal);
            if (h.Length >= 4) Assert.DoesNotContain(h, withoutNames, StringComparison.Ordinal);
            Assert.Contains(statement.Parameters, p => Equals(p.Value, h));
            var cells = _store.Engine.Insights(project, query, "UTC", QueryOptions.None).Cells;
            Assert.Equal(1.0, Assert.Single(cells).Value);
            Assert.Equal(h, cells[0].Breakdown[0]);
        }
    }

    [Theory]
    [InlineData("x\"y")]
    [InlineData("x\\y")]
    [InlineData("x\u0000y")]
    [InlineData("")]
    public void Names_with_quotes_backslashes_or_controls_are_refused(string name)
    {
        var json = $$"""{"series":[{"event":"A"}],"breakdown":{{System.Text.Json.JsonSerializer.Serialize(name)}}}""";
        Assert.Throws<QueryValidationException>(() => QueryJson.Insights(QueryJson.ParseDocument(json)));
    }

    [Theory]
    [InlineData("(a)\\1")]
    [InlineData("(?=a)")]
    [InlineData("(?<name>a)")]
    [InlineData("a{10000}")]
    [InlineData("[")]
    public void Patterns_outside_the_common_safe_subset_are_refused(string pattern)
    {
        var json = $$"""{"series":[{"event":"A","filters":[{"property":"p","operator":"regex","value":{{System.Text.Json.JsonSerializer.Serialize(pattern)}}}]}]}""";
        Assert.Throws<QueryValidationException>(() => QueryJson.Insights(QueryJson.ParseDocument(json)));
    }

    [Fact]
    public void A_catastrophic_backtracking_pattern_runs_in_linear_time()
    {
        var text = new string('a', 5000) + "!";
        var events = new List<StoredEvent>
        {
            new() { Name = "A", TimeMs = 1_772_409_600_000, InsertId = "x", DistinctId = Generators.Id(1), PropertiesJson = $$"""{"p":"{{text}}"}""", IngestedAtMs = 1 },
        };
        var project = _store.Load(new ReferenceData(events, new Dictionary<Guid, Guid>(), new Dictionary<Guid, string>()));
        var json = """{"dateRange":{"from":"2026-03-01","to":"2026-03-03"},"interval":"total","series":[{"event":"A","filters":[{"property":"p","operator":"regex","value":"^(a+)+$"}]}]}""";
        var watch = Stopwatch.StartNew();
        var report = _store.Engine.Insights(project, QueryJson.Insights(QueryJson.ParseDocument(json)), "UTC", QueryOptions.None);
        Assert.Empty(report.Cells);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("""{"steps":[{"event":"A"}]}""", "2-10 steps")]
    [InlineData("""{"steps":[{"event":"A"},{"event":"B"}],"window":{"value":91,"unit":"day"}}""", "90 days")]
    [InlineData("""{"steps":[{"event":"A"},{"event":"B"}],"windowSeconds":-5}""", "1 second")]
    [InlineData("""{"steps":[{"event":"A"},{"event":"B"}],"dateRange":{"from":"2026-03-05","to":"2026-03-01"}}""", "before")]
    [InlineData("""{"steps":[{"event":"A"},{"event":"B"}],"timezone":"Mars/Olympus"}""", "time zone")]
    [InlineData("""{"steps":[{"event":"A"},{"event":"B"}],"exclusions":[{"event":"X","afterStep":1,"beforeStep":1}]}""", "afterStep")]
    [InlineData("""{"steps":[{"event":"A"},{"event":"B"}],"stepz":1}""", "stepz")]
    public void Invalid_funnels_name_the_problem(string json, string mention)
    {
        var e = Assert.Throws<QueryValidationException>(() =>
        {
            var query = QueryJson.Funnel(QueryJson.ParseDocument(json));
            _store.Engine.Funnel(1, query, "UTC", QueryOptions.None);
        });
        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_events_and_properties_give_an_empty_answer()
    {
        var json = """{"interval":"total","series":[{"event":"Never Sent","measure":"sum","property":"nope"}],"breakdown":"missing"}""";
        var report = _store.Engine.Insights(999, QueryJson.Insights(QueryJson.ParseDocument(json)), "UTC", QueryOptions.None);
        Assert.Empty(report.Cells);
    }
}
