using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Veil.Fuzz;

/// <summary>Counts of one fuzz run over one target (in-process parsers or HTTP), and the first failures in full.</summary>
public sealed class FuzzReport
{
    private const int KeptFailures = 20;
    private long _inputs;
    private long _failures;

    /// <summary>"in-process" or "http".</summary>
    public required string Target { get; init; }
    public long Seed { get; init; }
    public long Inputs => Interlocked.Read(ref _inputs);
    /// <summary>Unhandled exceptions, broken invariants, 5xx answers, transport errors and time-outs.</summary>
    public long Failures => Interlocked.Read(ref _failures);
    public double ElapsedSeconds { get; set; }
    public double InputsPerSecond => ElapsedSeconds > 0 ? Math.Round(Inputs / ElapsedSeconds) : 0;
    public ConcurrentDictionary<string, long> Kinds { get; } = new();
    /// <summary>Milliseconds spent per family (generation included), to see what the time goes to.</summary>
    public ConcurrentDictionary<string, long> KindMilliseconds { get; } = new();
    /// <summary>In-process: the parser outcome; HTTP: the status code.</summary>
    public ConcurrentDictionary<string, long> Outcomes { get; } = new();
    public ConcurrentQueue<string> FirstFailures { get; } = new();
    /// <summary>Managed heap after a full collection, before and after the run (MiB).</summary>
    public double ManagedHeapBeforeMiB { get; set; }
    public double ManagedHeapAfterMiB { get; set; }
    /// <summary>Peak resident set of the process that ran the target (MiB); for HTTP, the server's if known.</summary>
    public double PeakRssMiB { get; set; }
    /// <summary>Slow-client results: seconds until the server cut each one off.</summary>
    public Dictionary<string, double> SlowClients { get; } = [];

    public void Record(FuzzCase fuzzCase, string outcome, long startTimestamp = 0)
    {
        if (startTimestamp != 0) KindMilliseconds.AddOrUpdate(fuzzCase.Kind, (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, (_, n) => n + (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);
        Interlocked.Increment(ref _inputs);
        Kinds.AddOrUpdate(fuzzCase.Kind, 1, (_, n) => n + 1);
        Outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
    }

    public void Fail(long index, FuzzCase fuzzCase, string problem)
    {
        Interlocked.Increment(ref _inputs);
        Kinds.AddOrUpdate(fuzzCase.Kind, 1, (_, n) => n + 1);
        Outcomes.AddOrUpdate("FAILED", 1, (_, n) => n + 1);
        if (Interlocked.Increment(ref _failures) <= KeptFailures) FirstFailures.Enqueue($"#{index} {problem} — {fuzzCase.Describe()}");
    }

    /// <summary>One line for logs.</summary>
    public string Summary() =>
        $"{Target}: {Inputs:N0} inputs in {ElapsedSeconds:F1} s ({InputsPerSecond:N0}/s), {Failures} failures; " +
        string.Join(", ", Outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value:N0}"));

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
