using System.Diagnostics;
using System.Globalization;

namespace Veil.Hosting;

/// <summary>
/// Crash testing (the crash harness, <c>bench/faults</c>, and its short form in the tests). With
/// <c>VEIL_CRASH_AT=POINT:N</c> the server kills itself with SIGKILL the N-th time it passes the named point, so a kill
/// lands exactly mid-fsync, mid-checkpoint or mid-apply instead of wherever a timer happens to fall; with
/// <c>VEIL_WAL_SYNC_LOG=FILE</c> the WAL appends "segment length" to FILE after every fsync (written, never synced: it
/// only has to survive the process), so the harness can cut the log back to the last fsync as a power cut would.
/// Neither is set in normal use, and then every hook is null. The sync log stays open for the life of the process.
/// </summary>
public sealed class CrashPoints
{
    /// <summary>The points a kill can be aimed at, in the order an event passes them.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["wal-written", "wal-synced", "events-appended", "before-commit", "store-committed", "wal-checkpointed"];

    private readonly string? _point;
    private readonly long _at;
    private long _passes;
    private readonly StreamWriter? _syncLog;
    private readonly Lock _syncLogLock = new();

    private CrashPoints(string? point, long at, StreamWriter? syncLog)
    {
        _point = point;
        _at = at;
        _syncLog = syncLog;
    }

    /// <summary>Called at every named point; null unless a kill is armed.</summary>
    public Action<string>? Hook => _point is null ? null : Pass;

    /// <summary>Called after every WAL fsync; null unless a sync log is asked for.</summary>
    public Action<string, long>? Synced => _syncLog is null ? null : LogSync;

    /// <summary>Reads <c>VEIL_CRASH_AT</c> and <c>VEIL_WAL_SYNC_LOG</c>.</summary>
    /// <exception cref="StartupException">VEIL_CRASH_AT is not POINT:N with a known point and N ≥ 1.</exception>
    public static CrashPoints FromEnvironment()
    {
        string? point = null;
        long at = 0;
        if (Environment.GetEnvironmentVariable("VEIL_CRASH_AT") is { Length: > 0 } spec)
        {
            var parts = spec.Split(':');
            if (parts.Length != 2 || !Names.Contains(parts[0])
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out at) || at < 1)
            {
                throw new StartupException(
                    $"VEIL_CRASH_AT must be POINT:N with N ≥ 1 and POINT one of {string.Join(", ", Names)} (got \"{spec}\"); unset it to run normally.");
            }
            point = parts[0];
        }
        StreamWriter? syncLog = null;
        if (Environment.GetEnvironmentVariable("VEIL_WAL_SYNC_LOG") is { Length: > 0 } path)
        {
            syncLog = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        }
        return new CrashPoints(point, at, syncLog);
    }

    /// <summary>Passes a point named by the host itself (the store writer's <c>store-committed</c>).</summary>
    public void Hit(string point)
    {
        if (_point is not null) Pass(point);
    }

    private void Pass(string point)
    {
        if (point != _point || Interlocked.Increment(ref _passes) != _at) return;
        // SIGKILL, as `kill -9` from outside: no finally blocks, no flushes, no shutdown code.
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    private void LogSync(string segment, long length)
    {
        lock (_syncLogLock) _syncLog!.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{segment} {length}"));
    }
}
