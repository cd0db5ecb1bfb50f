using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using HdrHistogram;
using Microsoft.Win32.SafeHandles;

namespace Veil.Benchmarks;

/// <summary>
/// What the disk alone does in the same minute: 770-byte overwrites of zero-filled, synced blocks, each followed by
/// fdatasync, paced 1 ms apart (the ledger's best case). The ledger's EveryBatch p99 can never beat this one.
/// </summary>
internal static partial class DiskBaseline
{
    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(SafeFileHandle handle);

    public static string Measure(string directory, int count)
    {
        var path = Path.Combine(directory, "disk-baseline.bin");
        using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        var zeros = new byte[1 << 20];
        for (var i = 0; i < 2; i++) file.Write(zeros);
        file.Flush(flushToDisk: true);
        var record = new byte[770];
        Random.Shared.NextBytes(record);
        var histogram = new LongHistogram(TimeStamp.Seconds(10), 3);
        PrecisePacer.TightenTimerSlack();
        var next = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            next += Stopwatch.Frequency / 1000;
            PrecisePacer.SleepUntil(next);
            var start = Stopwatch.GetTimestamp();
            RandomAccess.Write(file.SafeFileHandle, record, (long)i * record.Length % (2 << 20));
            if (FDataSync(file.SafeFileHandle) != 0) throw new IOException("fdatasync failed.");
            histogram.RecordValue(Stopwatch.GetTimestamp() - start);
        }
        File.Delete(path);
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        return string.Create(CultureInfo.InvariantCulture,
            $"p50 {Ms(histogram.GetValueAtPercentile(50)):F3} ms, p90 {Ms(histogram.GetValueAtPercentile(90)):F3} ms, p99 {Ms(histogram.GetValueAtPercentile(99)):F3} ms, p99.9 {Ms(histogram.GetValueAtPercentile(99.9)):F3} ms, max {Ms(histogram.GetMaxValue()):F3} ms");
    }
}
