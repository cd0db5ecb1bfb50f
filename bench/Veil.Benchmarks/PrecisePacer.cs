using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Veil.Benchmarks;

/// <summary>
/// Sleeps until an absolute Stopwatch timestamp. <c>Thread.Sleep(1)</c> wakes 1–1.1 ms after it is called, so a pacer
/// built on it issues 1k/s reads up to a millisecond late, and open-loop latency (counted from the due time) then
/// measures the pacer. On Linux this sleeps with <c>clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)</c> (the clock
/// Stopwatch reads) after setting the thread's timer slack to 1 µs, so it wakes within tens of microseconds of the
/// deadline without spinning.
/// </summary>
internal static partial class PrecisePacer
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsTime = 1;
    private const int PrSetTimerSlack = 29;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, IntPtr remain);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    /// <summary>Whether the precise sleep is available (Linux, nanosecond Stopwatch on CLOCK_MONOTONIC).</summary>
    public static bool Available => OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    /// <summary>Call once on the pacing thread: timer slack 1 µs instead of the default 50 µs.</summary>
    public static void TightenTimerSlack()
    {
        if (Available) _ = Prctl(PrSetTimerSlack, 1, 0, 0, 0);
    }

    /// <summary>Returns once <see cref="Stopwatch.GetTimestamp"/> has reached <paramref name="timestamp"/>.</summary>
    public static void SleepUntil(long timestamp)
    {
        if (!Available)
        {
            while (Stopwatch.GetTimestamp() < timestamp) Thread.Sleep(1);
            return;
        }
        var request = new TimeSpec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
        while (Stopwatch.GetTimestamp() < timestamp) _ = ClockNanosleep(ClockMonotonic, TimerAbsTime, request, IntPtr.Zero);
    }
}
