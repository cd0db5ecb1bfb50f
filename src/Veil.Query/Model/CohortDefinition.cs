namespace Veil.Query.Model;

/// <summary>A dynamic cohort: the persons (with at least one event) who meet every criterion, evaluated when a query runs.</summary>
public sealed record CohortDefinition(IReadOnlyList<CohortCriterion> Criteria);
