using Veil.Query.Model;

namespace Veil.Query.Results;

/// <summary>A flows answer: nodes and links ready for a Sankey chart (thresholds already applied).</summary>
public sealed record FlowsReport(FlowsQuery Query, ResolvedRange Range, IReadOnlyList<FlowNode> Nodes, IReadOnlyList<FlowLink> Links);
