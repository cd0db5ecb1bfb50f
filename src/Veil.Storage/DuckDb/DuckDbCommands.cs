using DuckDB.NET.Data;

namespace Veil.Storage.DuckDb;

/// <summary>Commands with named parameters, so every read states its SQL and values in one call.</summary>
internal static class DuckDbCommands
{
    /// <summary>A command on <paramref name="connection"/> running <paramref name="sql"/> with <c>$name</c> parameters; the caller disposes it.</summary>
    public static DuckDBCommand Create(DuckDBConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.Add(new DuckDBParameter(name, value));
        return command;
    }

    /// <summary>Runs <paramref name="sql"/> (no parameters, no result) on <paramref name="connection"/>.</summary>
    public static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
