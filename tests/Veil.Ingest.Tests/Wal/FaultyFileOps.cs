using Microsoft.Win32.SafeHandles;
using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

/// <summary>Real file operations with faults on demand: a full disk mid-write, a failing fsync, a stalled fsync.</summary>
internal sealed class FaultyFileOps : WalFileOps
{
    private int _failWrites;
    private int _failFlushes;
    private int _failSetLengths;
    private int _failCreates;
    private int _failNewFiles;
    private ManualResetEventSlim? _flushGate;
    private TaskCompletionSource _flushStalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How many bytes a failing write still puts on disk before it throws, as a full disk does.</summary>
    public int PartialBytes { get; set; }

    public Task FlushStalled => _flushStalled.Task;

    public void FailNextWrites(int count, int partialBytes = 0)
    {
        PartialBytes = partialBytes;
        Volatile.Write(ref _failWrites, count);
    }

    public void FailNextFlushes(int count) => Volatile.Write(ref _failFlushes, count);

    public void FailNextSetLengths(int count) => Volatile.Write(ref _failSetLengths, count);

    public void FailNextSegmentCreations(int count) => Volatile.Write(ref _failCreates, count);

    public void FailNextNewSmallFiles(int count) => Volatile.Write(ref _failNewFiles, count);

    public void StallFlush()
    {
        _flushStalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushGate = new ManualResetEventSlim(false);
    }

    public void ReleaseFlush() => _flushGate?.Set();

    public override SafeFileHandle OpenSegment(string path, bool create)
    {
        if (create && Take(ref _failCreates)) throw new IOException("No space left on device (injected)");
        return base.OpenSegment(path, create);
    }

    public override void Write(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset)
    {
        if (Take(ref _failWrites))
        {
            base.Write(handle, data[..Math.Min(PartialBytes, data.Length)], offset);
            throw new IOException("No space left on device (injected)");
        }
        base.Write(handle, data, offset);
    }

    public override void Flush(SafeFileHandle handle)
    {
        var gate = _flushGate;
        if (gate is not null)
        {
            _flushStalled.TrySetResult();
            gate.Wait(TimeSpan.FromSeconds(30));
            _flushGate = null;
        }
        if (Take(ref _failFlushes)) throw new IOException("Input/output error (injected fsync failure)");
        base.Flush(handle);
    }

    public override void SetLength(SafeFileHandle handle, long length)
    {
        if (Take(ref _failSetLengths)) throw new IOException("Input/output error (injected truncate failure)");
        base.SetLength(handle, length);
    }

    public override void WriteFile(string path, ReadOnlySpan<byte> data, FileMode mode)
    {
        if (mode != FileMode.Open && Take(ref _failNewFiles)) throw new IOException("No space left on device (injected)");
        base.WriteFile(path, data, mode);
    }

    private static bool Take(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current <= 0) return false;
            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current) return true;
        }
    }
}
