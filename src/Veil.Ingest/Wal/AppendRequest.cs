using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;

namespace Veil.Ingest.Wal;

/// <summary>
/// One queued append and the awaitable behind its <see cref="ValueTask{TResult}"/>. Pooled, so an append allocates
/// nothing of its own; it goes back to the pool once the caller has read the result.
/// </summary>
internal sealed class AppendRequest : IValueTaskSource<long>
{
    private static readonly ConcurrentQueue<AppendRequest> Pool = new();
    private const int MaxPooled = 1024;
    private static int s_pooled;

    // Continuations run on the thread pool, never inline on the flusher thread, which must get back to writing.
    private ManualResetValueTaskSourceCore<long> _core = new() { RunContinuationsAsynchronously = true };

    public ReadOnlyMemory<byte> Payload { get; private set; }

    /// <summary>Header plus payload: what this append occupies in a segment.</summary>
    public long RecordBytes => WalRecordFormat.HeaderSize + Payload.Length;

    public static AppendRequest Rent(ReadOnlyMemory<byte> payload)
    {
        if (Pool.TryDequeue(out var request)) Interlocked.Decrement(ref s_pooled);
        else request = new AppendRequest();
        request.Payload = payload;
        return request;
    }

    public ValueTask<long> AsValueTask() => new(this, _core.Version);

    public void Complete(long lsn) => _core.SetResult(lsn);

    public void Fail(Exception error) => _core.SetException(error);

    public long GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Payload = default;
            _core.Reset();
            if (Interlocked.Increment(ref s_pooled) <= MaxPooled) Pool.Enqueue(this);
            else Interlocked.Decrement(ref s_pooled);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
