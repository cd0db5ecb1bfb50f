using DuckDB.NET.Data;
using Veil.Core.Privacy;

namespace Veil.Storage.DuckDb;

/// <summary>
/// A temporary table on the writer connection listing the ids a batch touches, so rows can be read and replaced with
/// one join instead of one statement per id.
/// </summary>
internal static class TouchedIds
{
    public static void Create(DuckDBConnection writer) =>
        DuckDbCommands.Execute(writer, "CREATE TEMP TABLE IF NOT EXISTS touched_ids (project_id INTEGER NOT NULL, id UUID NOT NULL, group_key VARCHAR)");

    public static void Fill(DuckDBConnection writer, IEnumerable<(int ProjectId, Pseudonym Id, string? GroupKey)> ids)
    {
        Clear(writer);
        using var appender = writer.CreateAppender("temp", "main", "touched_ids");
        foreach (var (projectId, id, groupKey) in ids)
        {
            appender.CreateRow().AppendValue((int?)projectId).AppendValue((Guid?)id.ToGuid()).AppendValue(groupKey).EndRow();
        }
    }

    public static void Clear(DuckDBConnection writer) => DuckDbCommands.Execute(writer, "DELETE FROM touched_ids");
}
