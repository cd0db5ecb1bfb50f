using DuckDB.NET.Data;
using Veil.Core.Events;
using Veil.Query.Reference;
using Veil.Query.Sql;
using Veil.Storage.DuckDb;

namespace Veil.Query.Tests;

/// <summary>A real DuckDB event store in a temp directory; each data set loads under its own project id so one file serves many samples.</summary>
internal sealed class QueryStore : IDisposable
{
    public static readonly DateTime Now = new(2026, 4, 3, 12, 0, 0, DateTimeKind.Utc);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "veil-query-" + Guid.NewGuid().ToString("N"));
    private readonly Lock _lock = new();
    private long _lsn;
    private int _nextProject = 1;

    public QueryStore()
    {
        Store = DuckDbEventStore.Open(Path.Combine(_directory, "events.duckdb"));
        Engine = new QueryEngine(DuckDbDialect.Instance, (statement, ct) => Store.Query(statement.Text, statement.Parameters, ct), new FixedTime(Now),
            (_, id) => Generators.Cohorts.GetValueOrDefault(id));
    }

    public DuckDbEventStore Store { get; }

    public QueryEngine Engine { get; }

    /// <summary>Stores the data set under a fresh project id (events keep everything but the project) and returns the id.</summary>
    public int Load(ReferenceData data)
    {
        lock (_lock)
        {
            var project = _nextProject++;
            var batch = new IngestBatch();
            foreach (var e in data.Events) e.ProjectId = project;
            batch.Events.AddRange(data.Events);
            if (batch.Events.Count > 0) Store.Apply([(++_lsn, batch)]);
            using var connection = Store.OpenReader();
            // One commit for all rows: each commit syncs the file.
            using var transaction = connection.BeginTransaction();
            foreach (var (member, person) in data.IdentityMap)
            {
                Execute(connection, "INSERT INTO identity_map VALUES ($project, $member, $person, TIMESTAMP '2026-01-01', 1)",
                    ("project", project), ("member", member), ("person", person));
            }
            foreach (var (person, properties) in data.Profiles)
            {
                Execute(connection, "INSERT INTO profiles VALUES ($project, $person, $properties, TIMESTAMP '2026-01-01', NULL, 1)",
                    ("project", project), ("person", person), ("properties", properties));
            }
            transaction.Commit();
            return project;
        }
    }

    /// <summary>Appends more events to a loaded project (insert ids must differ from its earlier ones).</summary>
    public void Append(int project, IEnumerable<StoredEvent> events)
    {
        lock (_lock)
        {
            var batch = new IngestBatch();
            foreach (var e in events)
            {
                e.ProjectId = project;
                batch.Events.Add(e);
            }
            if (batch.Events.Count > 0) Store.Apply([(++_lsn, batch)]);
        }
    }

    /// <summary>Takes the snapshot of a static cohort now, as saving it through the API does.</summary>
    public void Snapshot(int project, long cohortId)
    {
        var members = Engine.CohortMembers(project, Generators.Cohorts[cohortId]);
        Store.ReplaceCohortMembers(project, cohortId, members.Text, members.Parameters);
    }

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Execute(DuckDBConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.Add(new DuckDBParameter(name, value));
        command.ExecuteNonQuery();
    }

    private sealed class FixedTime(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }
}
