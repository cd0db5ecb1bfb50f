using System.Diagnostics;

namespace Veil.Load;

/// <summary>Samples another process's CPU time and RSS once a second while a run goes on.</summary>
internal sealed class ServerProbe : IAsyncDisposable
{
    private readonly Process _process;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly TimeSpan _cpuAtStart;
    private long _rssMin = long.MaxValue;
    private long _rssMax;

    private ServerProbe(Process process)
    {
        _process = process;
        _cpuAtStart = process.TotalProcessorTime;
        Sample();
        _sampling = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false) is true) Sample();
        });
    }

    /// <summary>Starts sampling, or returns null when no pid was given.</summary>
    public static ServerProbe? Start(int? pid) => pid is { } id ? new ServerProbe(Process.GetProcessById(id)) : null;

    public async Task<ServerUsage> StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sampling;
        }
        catch (OperationCanceledException)
        {
            // Expected: the timer loop ends by cancellation.
        }
        Sample();
        var cpu = (_process.TotalProcessorTime - _cpuAtStart).TotalSeconds;
        var wall = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
        return new ServerUsage(Math.Round(cpu, 2), Math.Round(100 * cpu / wall, 1), Mb(_rssMin), Mb(_rssMax));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        _stop.Dispose();
        _process.Dispose();
    }

    private void Sample()
    {
        try
        {
            _process.Refresh();
            var rss = _process.WorkingSet64;
            Interlocked.Exchange(ref _rssMin, Math.Min(Interlocked.Read(ref _rssMin), rss));
            Interlocked.Exchange(ref _rssMax, Math.Max(Interlocked.Read(ref _rssMax), rss));
        }
        catch (InvalidOperationException)
        {
            // The process exited; keep what was sampled.
        }
    }

    private static double Mb(long bytes) => bytes == long.MaxValue ? 0 : Math.Round(bytes / (1024.0 * 1024.0), 1);
}
