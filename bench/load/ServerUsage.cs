namespace Veil.Load;

/// <summary>The server process's CPU time and resident memory over a run (from <c>--server-pid</c>).</summary>
internal sealed record ServerUsage(double CpuS, double CpuPercent, double RssMinMb, double RssMaxMb);
