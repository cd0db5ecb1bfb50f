using DuckDB.NET.Data;

namespace Veil.Storage.DuckDb;

public sealed partial class DuckDbEventStore
{
    /// <inheritdoc />
    public void ReplaceCohortMembers(int projectId, long cohortId, string? membersSql, IReadOnlyList<KeyValuePair<string, object?>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer.BeginTransaction();
            using (var delete = _writer.CreateCommand())
            {
                delete.CommandText = "DELETE FROM cohort_members WHERE project_id = $cm_project AND cohort_id = $cm_cohort";
                delete.Parameters.Add(new DuckDBParameter("cm_project", projectId));
                delete.Parameters.Add(new DuckDBParameter("cm_cohort", cohortId));
                delete.ExecuteNonQuery();
            }
            if (membersSql is not null)
            {
                // The selection runs inside the store: the members are copied table to table, never read out.
                using var insert = _writer.CreateCommand();
                insert.CommandText = $"INSERT INTO cohort_members SELECT $cm_project, $cm_cohort, person FROM ({membersSql})";
                insert.Parameters.Add(new DuckDBParameter("cm_project", projectId));
                insert.Parameters.Add(new DuckDBParameter("cm_cohort", cohortId));
                foreach (var (name, value) in parameters) insert.Parameters.Add(new DuckDBParameter(name, value));
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }
}
