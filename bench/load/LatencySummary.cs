namespace Veil.Load;

/// <summary>Ack latency percentiles in milliseconds (from the intended send time when a rate is set).</summary>
internal sealed record LatencySummary(double P50, double P90, double P99, double P999, double Max, double Mean);
