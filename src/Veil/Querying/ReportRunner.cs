using System.Text.Json;
using DuckDB.NET.Data;
using Veil.Query;
using Veil.Query.Model;
using Veil.Query.Results;
using Veil.Query.Sql;
using Veil.Storage;
using Veil.Storage.Metadata;

namespace Veil.Querying;

/// <summary>
/// Runs a JSON report query against a project's events, for the HTTP API and the CLI alike: parses and validates the
/// query, resolves the project's time zone, runs the engine on the store and writes the answer as JSON.
/// </summary>
internal sealed class ReportRunner(IEventStore store, IMetadataStore metadata, TimeProvider? time = null)
{
    /// <summary>The report kinds, as named in URLs (<c>/query/{kind}</c>) and on the command line.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["insights", "funnels", "retention", "flows"];

    private readonly QueryEngine _engine = new(DuckDbDialect.Instance, (statement, ct) => store.Query(statement.Text, statement.Parameters, ct), time,
        (projectId, id) => metadata.FindCohort(projectId, id) is { } cohort ? QueryJson.Cohort(QueryJson.ParseDocument(cohort.DefinitionJson)).Definition : null);

    /// <summary>How many persons are in a cohort now.</summary>
    public long CountCohort(int projectId, CohortDefinition definition, CancellationToken cancellationToken = default, long? cohortId = null) =>
        _engine.CountCohort(projectId, definition, cancellationToken, cohortId);

    /// <summary>
    /// Keeps a static cohort's snapshot in step with its definition after a save: evaluates a static cohort now and
    /// stores its members; removes the members of a cohort that is not (or no longer) static.
    /// </summary>
    public void SaveSnapshot(int projectId, long cohortId, CohortDefinition? definition)
    {
        if (definition is { Static: true })
        {
            var members = _engine.CohortMembers(projectId, definition);
            store.ReplaceCohortMembers(projectId, cohortId, members.Text, members.Parameters);
        }
        else
        {
            store.ReplaceCohortMembers(projectId, cohortId, null, []);
        }
    }

    /// <summary>The metadata setting holding a project's IANA time zone.</summary>
    public static string TimeZoneSetting(int projectId) => $"timezone:{projectId}";

    /// <summary>The project's time zone (UTC unless set).</summary>
    public string ProjectTimeZone(int projectId) => metadata.GetSetting(TimeZoneSetting(projectId)) ?? "UTC";

    /// <summary>Sets the project's time zone after checking it exists.</summary>
    public void SetProjectTimeZone(int projectId, string zone)
    {
        TimeZones.Find(zone);
        metadata.SetSetting(TimeZoneSetting(projectId), zone);
    }

    /// <summary>Normalises a kind name (<c>funnel</c> → <c>funnels</c>); null when unknown.</summary>
    public static string? Kind(string name) => name.ToLowerInvariant() switch
    {
        "insights" or "insight" => "insights",
        "funnels" or "funnel" => "funnels",
        "retention" => "retention",
        "flows" or "flow" => "flows",
        _ => null,
    };

    /// <summary>Runs a query of <paramref name="kind"/>; the report is an <see cref="InsightsReport"/> or a <see cref="FunnelReport"/>.</summary>
    /// <exception cref="QueryValidationException">The query is invalid, or the store refused a value in it (such as a regular expression).</exception>
    public object Run(string kind, int projectId, string json, QueryOptions options, CancellationToken cancellationToken = default)
    {
        var root = QueryJson.ParseDocument(json);
        var zone = ProjectTimeZone(projectId);
        try
        {
            return kind switch
            {
                "insights" => _engine.Insights(projectId, QueryJson.Insights(root), zone, options, cancellationToken),
                "funnels" => _engine.Funnel(projectId, QueryJson.Funnel(root), zone, options, cancellationToken),
                "retention" => _engine.Retention(projectId, QueryJson.Retention(root), zone, options, cancellationToken),
                "flows" => _engine.Flows(projectId, QueryJson.Flows(root), zone, options, cancellationToken),
                _ => throw new QueryValidationException($"Unknown report kind \"{kind}\"."),
            };
        }
        catch (DuckDBException e) when (e.Message.StartsWith("Invalid Input Error", StringComparison.Ordinal))
        {
            // Values are parameters, so this is a value the store could not use (e.g. a pattern RE2 rejects), never SQL.
            throw new QueryValidationException("The store rejected a value in the query: " + e.Message);
        }
    }

    /// <summary>Writes a report from <see cref="Run"/> as JSON.</summary>
    public static void Write(Utf8JsonWriter writer, object report)
    {
        switch (report)
        {
            case InsightsReport insights: ReportJson.Write(writer, insights); break;
            case FunnelReport funnel: ReportJson.Write(writer, funnel); break;
            case RetentionReport retention: ReportJson.Write(writer, retention); break;
            case FlowsReport flows: ReportJson.Write(writer, flows); break;
            default: throw new ArgumentException("Not a report.", nameof(report));
        }
    }
}
