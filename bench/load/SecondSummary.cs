namespace Veil.Load;

/// <summary>One second of a run (by reply time): requests answered, how many took over 50 ms, and the slowest.</summary>
internal sealed record SecondSummary(int Second, long Requests, long Over50Ms, double MaxMs);
