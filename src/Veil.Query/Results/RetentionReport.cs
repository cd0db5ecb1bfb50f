using Veil.Query.Model;

namespace Veil.Query.Results;

/// <summary>A retention answer: the query, its resolved range and its rows (thresholds already applied).</summary>
public sealed record RetentionReport(RetentionQuery Query, ResolvedRange Range, IReadOnlyList<RetentionRow> Rows);
