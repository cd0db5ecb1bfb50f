using DuckDB.NET.Data;
using Veil.Core.Identity;
using Veil.Core.Privacy;

namespace Veil.Storage.DuckDb;

/// <summary>
/// Keeps the <c>identity_map</c> table and the in-memory <see cref="IdentityGraph"/> in step: the graph decides merges
/// as batches apply, and its changed rows are written in the same transaction as the batch.
/// </summary>
internal sealed class DuckDbIdentityMap(DuckDBConnection writer)
{
    private readonly DuckDBConnection _writer = writer;

    public IdentityGraph Graph { get; } = new();

    /// <summary>(Re)loads the graph from the table: at open, and after a failed apply left the graph ahead of the file.</summary>
    public void Reload()
    {
        Graph.Clear();
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT project_id, member, person FROM identity_map";
        using var reader = command.ExecuteReader();
        var rows = new List<IdentityRow>();
        while (reader.Read())
        {
            rows.Add(new IdentityRow(reader.GetInt32(0), Pseudonym.FromGuid(reader.GetGuid(1)), Pseudonym.FromGuid(reader.GetGuid(2))));
        }
        Graph.Load(rows);
    }

    /// <summary>Writes the rows the graph changed since the last call; inside the caller's transaction.</summary>
    public int Persist(long lsn, DateTime now)
    {
        var changes = Graph.TakeChanges();
        if (changes.Count == 0) return 0;
        TouchedIds.Fill(_writer, changes.Select(c => (c.ProjectId, c.Member, (string?)null)));
        DuckDbCommands.Execute(_writer, """
            DELETE FROM identity_map USING touched_ids t
            WHERE identity_map.project_id = t.project_id AND identity_map.member = t.id
            """);
        using (var appender = _writer.CreateAppender("identity_map"))
        {
            foreach (var change in changes)
            {
                if (change.Person is not { } person) continue;
                appender.CreateRow()
                    .AppendValue((int?)change.ProjectId)
                    .AppendValue((Guid?)change.Member.ToGuid())
                    .AppendValue((Guid?)person.ToGuid())
                    .AppendValue((DateTime?)now)
                    .AppendValue((long?)lsn)
                    .EndRow();
            }
        }
        TouchedIds.Clear(_writer);
        return changes.Count;
    }
}
