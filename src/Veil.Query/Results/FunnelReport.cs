using Veil.Query.Model;

namespace Veil.Query.Results;

/// <summary>A funnel answer: the query, its resolved range and its rows, the whole funnel first (thresholds already applied).</summary>
public sealed record FunnelReport(FunnelQuery Query, ResolvedRange Range, IReadOnlyList<FunnelRow> Rows);
