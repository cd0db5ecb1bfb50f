namespace Veil.Query.Sql;

/// <summary>A read query for a store backend: SQL text whose every user-supplied value is a named parameter.</summary>
public sealed record SqlStatement(string Text, IReadOnlyList<KeyValuePair<string, object?>> Parameters);
