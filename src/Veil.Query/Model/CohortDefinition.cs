namespace Veil.Query.Model;

/// <summary>
/// A cohort: the persons (with at least one event) who meet every criterion. Dynamic cohorts are evaluated when a query
/// runs; a <see cref="Static"/> cohort is evaluated once when saved and its members kept in the store (a snapshot).
/// </summary>
public sealed record CohortDefinition(IReadOnlyList<CohortCriterion> Criteria, bool Static = false);
