using System.Diagnostics;
using HdrHistogram;

namespace Veil.Load;

/// <summary>
/// Thread-safe counters and the ack-latency histogram of one run. One lock is plenty: even flat out the
/// server answers a few thousand requests per second, each recorded once.
/// </summary>
internal sealed class LoadStats
{
    // Microseconds, up to ten minutes, three significant digits (0.1% error).
    private const long HighestMicros = 600_000_000;
    private readonly Lock _lock = new();
    private readonly LongHistogram _latency = new(HighestMicros, 3);
    private readonly Dictionary<string, long> _statuses = new(StringComparer.Ordinal);
    private long _requestsSent;
    private long _eventsSent;
    private long _requestsCompleted;
    private long _requestsOk;
    private long _eventsAcked;
    private readonly long _startedTicks = Stopwatch.GetTimestamp();
    private readonly List<(long Requests, long Over50, long MaxMicros)> _seconds = [];

    public void Sent(int events)
    {
        Interlocked.Increment(ref _requestsSent);
        Interlocked.Add(ref _eventsSent, events);
    }

    /// <summary>Records one finished request (answered or failed).</summary>
    /// <param name="latencyTicks">Stopwatch ticks from the intended send time to the end of the reply.</param>
    /// <param name="status">Status code, or timeout/error:kind.</param>
    /// <param name="ok">Every event of the request acknowledged.</param>
    /// <param name="eventsAcked">Events the reply acknowledged.</param>
    public void Completed(long latencyTicks, string status, bool ok, int eventsAcked)
    {
        var micros = Math.Clamp(latencyTicks * 1_000_000 / Stopwatch.Frequency, 1, HighestMicros);
        lock (_lock)
        {
            _latency.RecordValue(micros);
            _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
            _requestsCompleted++;
            if (ok) _requestsOk++;
            _eventsAcked += eventsAcked;
            // Per second of reply time, so a stall shows where it happened (the histogram only says how often).
            var second = (int)(Stopwatch.GetElapsedTime(_startedTicks).Ticks / TimeSpan.TicksPerSecond);
            while (_seconds.Count <= second) _seconds.Add((0, 0, 0));
            var (requests, over, max) = _seconds[second];
            _seconds[second] = (requests + 1, over + (micros > 50_000 ? 1 : 0), Math.Max(max, micros));
        }
    }

    /// <summary>Each second of the run since this object was made.</summary>
    public List<SecondSummary> Seconds()
    {
        lock (_lock) return [.. _seconds.Select((s, i) => new SecondSummary(i, s.Requests, s.Over50, Millis(s.MaxMicros)))];
    }

    public StatsSnapshot Snapshot()
    {
        lock (_lock)
        {
            var any = _latency.TotalCount > 0;
            return new StatsSnapshot(
                Interlocked.Read(ref _requestsSent),
                Interlocked.Read(ref _eventsSent),
                _requestsCompleted,
                _requestsOk,
                _eventsAcked,
                any ? new LatencySummary(
                    Millis(_latency.GetValueAtPercentile(50)),
                    Millis(_latency.GetValueAtPercentile(90)),
                    Millis(_latency.GetValueAtPercentile(99)),
                    Millis(_latency.GetValueAtPercentile(99.9)),
                    Millis(_latency.GetMaxValue()),
                    Math.Round(_latency.GetMean() / 1000.0, 3)) : null,
                new SortedDictionary<string, long>(_statuses, StringComparer.Ordinal));
        }
    }

    private static double Millis(long micros) => Math.Round(micros / 1000.0, 3);
}
