using Veil.Query.Model;

namespace Veil.Query.Results;

/// <summary>An insights answer: the query, its resolved range and its non-empty cells (thresholds already applied).</summary>
public sealed record InsightsReport(InsightsQuery Query, ResolvedRange Range, IReadOnlyList<InsightsCell> Cells);
