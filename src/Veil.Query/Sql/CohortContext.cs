using Veil.Query.Model;

namespace Veil.Query.Sql;

/// <summary>What planners need to expand cohort filters: the project's cohort definitions by id, and "now" for their windows.</summary>
public sealed record CohortContext(Func<long, CohortDefinition?> Find, DateTime NowUtc);
