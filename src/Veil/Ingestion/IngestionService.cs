using System.Buffers;
using Veil.Core.Events;
using Veil.Ingest.Wal;

namespace Veil.Ingestion;

/// <summary>The last step before an acknowledgement: one request's batch becomes one durable WAL record.</summary>
public sealed class IngestionService(WriteAheadLog wal, ILogger<IngestionService> logger)
{
    /// <summary>Writes <paramref name="batch"/> to the WAL and waits for fsync (promise 5).</summary>
    public async ValueTask<IngestOutcome> AcceptAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        if (batch.IsEmpty) return IngestOutcome.Durable;
        using var buffer = new PooledBufferWriter(IngestBatchCodec.EstimateSize(batch));
        IngestBatchCodec.Write(batch, buffer);
        try
        {
            // Not cancellable once queued: a client that hangs up must not leave a record half-acknowledged.
            // The WAL has written the bytes once this returns, so the pooled buffer can go back afterwards.
            await wal.AppendAsync(buffer.WrittenMemory, CancellationToken.None);
            return IngestOutcome.Durable;
        }
        catch (WalOverloadedException)
        {
            return IngestOutcome.Overloaded;
        }
        catch (WalWriteException e)
        {
            logger.LogError("WAL write failed ({Message}); answering 503 until it recovers.", e.InnerException?.Message ?? e.Message);
            return IngestOutcome.StorageUnavailable;
        }
    }
}
