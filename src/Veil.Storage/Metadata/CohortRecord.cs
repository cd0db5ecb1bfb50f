namespace Veil.Storage.Metadata;

/// <summary>A saved cohort: its name and its definition as the query model's JSON (docs/queries.md).</summary>
public sealed record CohortRecord(long Id, int ProjectId, string Name, string DefinitionJson, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
