using CsCheck;
using Veil.Query.Model;
using Veil.Query.Reference;

namespace Veil.Query.Tests;

/// <summary>The SQL engine on a real DuckDB file answers exactly what the naive reference answers, on random logs and queries.</summary>
public sealed class PropertyTests : IDisposable
{
    private readonly QueryStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Insights_match_the_reference()
    {
        Gen.Select(Generators.Data, Generators.Insights).Sample((data, query) =>
        {
            var project = _store.Load(data);
            var report = _store.Engine.Insights(project, query, "UTC", new QueryOptions(MinimumPersons: 1));
            var expected = new ReferenceEngine(data, id => Generators.Cohorts[id], QueryStore.Now).Insights(project, query, report.Range);
            Results.Equal(expected, report.Cells.ToList(), Describe(query));
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void Funnels_match_the_reference()
    {
        Gen.Select(Gen.Frequency((1, Generators.Data), (3, Generators.DenseData)), Generators.Funnel).Sample((data, query) =>
        {
            var project = _store.Load(data);
            var report = _store.Engine.Funnel(project, query, "UTC", QueryOptions.None);
            var expected = new ReferenceEngine(data, id => Generators.Cohorts[id], QueryStore.Now).Funnel(project, query, report.Range);
            Results.Equal(expected, report.Rows.ToList(), Describe(query));
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void Retention_matches_the_reference()
    {
        Gen.Select(Generators.Data, Generators.Retention).Sample((data, query) =>
        {
            var project = _store.Load(data);
            var report = _store.Engine.Retention(project, query, "UTC", QueryOptions.None);
            var expected = new ReferenceEngine(data, id => Generators.Cohorts[id], QueryStore.Now).Retention(project, query, report.Range);
            Results.Equal(expected, report.Rows.ToList(), Describe(query));
        }, iter: 100, threads: 1);
    }

    [Fact]
    public void Flows_match_the_reference()
    {
        Gen.Select(Gen.Frequency((1, Generators.Data), (3, Generators.DenseData)), Generators.Flows).Sample((data, query) =>
        {
            var project = _store.Load(data);
            var report = _store.Engine.Flows(project, query, "UTC", QueryOptions.None);
            var (nodes, links) = new ReferenceEngine(data, id => Generators.Cohorts[id], QueryStore.Now).Flows(project, query, report.Range);
            Results.Equal(nodes, links, report.Nodes.ToList(), report.Links.ToList(), Describe(query));
        }, iter: 100, threads: 1);
    }

    private static string Describe(object query) => System.Text.Json.JsonSerializer.Serialize(query, JsonOptions);

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new()
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
