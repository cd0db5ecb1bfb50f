using System.Diagnostics;
using Veil.Core.Events;
using Veil.Hosting;
using Veil.Ingest.Wal;
using Veil.Storage;

namespace Veil.Ingestion;

/// <summary>
/// Tails the WAL and applies its records to the event store in batches, then checkpoints the WAL. The store records
/// the last applied LSN in the same transaction as the data, so a crash at any point replays exactly what is missing.
/// </summary>
public sealed class StoreWriter(WriteAheadLog wal, IEventStore store, ILogger<StoreWriter> logger, CrashPoints? crash = null) : IHostedService
{
    private const int MaxRecordsPerApply = 2048;
    private const long MaxBytesPerApply = 96L * 1024 * 1024;

    // An apply has a fixed cost of ~5 ms of CPU (a DuckDB transaction and its fsync, an appender, the switch to one
    // DuckDB thread), so applying each record as soon as it is durable makes a moderate load the most expensive per
    // event: at 50-event requests the writer would spend most of a core on fixed costs. Starting at most one apply per
    // interval (unless a backlog fills a whole read) bounds them to a few percent of a core, at the price of events
    // becoming queryable up to this much later. The first apply after an idle spell starts at once.
    private static readonly TimeSpan MinApplyInterval = TimeSpan.FromMilliseconds(250);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    /// <summary>Total events stored and duplicates skipped since start (for logs and tests).</summary>
    public long EventsStored => Interlocked.Read(ref _eventsStored);
    public long DuplicatesSkipped => Interlocked.Read(ref _duplicates);

    private long _eventsStored;
    private long _lastCheckpoint;
    private long _lastApplyStarted;
    private long _duplicates;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Its own thread, blocking in its waits: on the thread pool every wake-up would queue the loop behind the front
        // end's work, and under load the writer lost more time there than an apply takes.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            // Not niced, unlike the ledger index: a niced writer starved whenever anything else took the CPU (a build
            // beside a 77k events/s soak filled the WAL to its bound within seconds, and Veil shed load), for no
            // measurable gain in ack latency (p99 119 vs 131 ms in single runs at 80k events/s).
            try
            {
                Run(_stopping.Token);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "Veil store writer" };
        thread.Start();
        _loop = done.Task;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null) await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Waits until everything durable in the WAL now is in the store (for the demo and tests).</summary>
    public async Task WaitUntilCaughtUpAsync(CancellationToken cancellationToken)
    {
        var target = wal.DurableLsn;
        while (store.AppliedLsn < target) await Task.Delay(20, cancellationToken);
    }

    private void Run(CancellationToken stopping)
    {
        var applied = store.AppliedLsn;
        if (applied > 0) wal.Checkpoint(applied);
        var backlog = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var wait = MinApplyInterval - Stopwatch.GetElapsedTime(_lastApplyStarted);
                if (!backlog && wait > TimeSpan.Zero && stopping.WaitHandle.WaitOne(wait)) break;
                // Each record is decoded straight from the WAL's read buffer and handed to the store at once, so the
                // writer holds one record's events, not an apply's: fewer objects survive each collection, and the
                // front end's requests see shorter GC pauses.
                var started = Stopwatch.GetTimestamp();
                var last = applied;
                int records;
                long bytes;
                StoreApplyResult result;
                using (var apply = store.BeginApply())
                {
                    (records, bytes) = wal.ReadAfter(applied, MaxRecordsPerApply, MaxBytesPerApply, (lsn, payload) =>
                    {
                        apply.Add(lsn, Decode(lsn, payload));
                        last = lsn;
                    });
                    result = apply.Commit();
                }
                if (records == 0)
                {
                    backlog = false;
                    if (wal.CheckpointLsn < applied) wal.Checkpoint(applied);
                    wal.WaitForDurableAsync(applied, stopping).GetAwaiter().GetResult();
                    continue;
                }
                backlog = records == MaxRecordsPerApply || bytes >= MaxBytesPerApply / 2;
                _lastApplyStarted = started;
                Interlocked.Add(ref _eventsStored, result.EventsStored);
                Interlocked.Add(ref _duplicates, result.DuplicatesSkipped);
                applied = last;
                crash?.Hit("store-committed");
                // The store's applied LSN is what replay trusts; the WAL checkpoint only frees old segments, so once a
                // second is enough (each one writes and fsyncs a file).
                if (Environment.TickCount64 - _lastCheckpoint >= 1000 || records == MaxRecordsPerApply)
                {
                    wal.Checkpoint(applied);
                    _lastCheckpoint = Environment.TickCount64;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Nothing is lost: the records stay in the WAL and are retried.
                logger.LogError("Store writer failed ({Type}: {Message}); retrying in 1 s.", e.GetType().Name, e.Message);
                if (stopping.WaitHandle.WaitOne(1000)) break;
                applied = store.AppliedLsn;
            }
        }
    }

    private IngestBatch Decode(long lsn, ReadOnlySpan<byte> payload)
    {
        try
        {
            return IngestBatchCodec.Decode(payload);
        }
        catch (InvalidDataException e)
        {
            // A record that passed its CRC but is not a batch this build understands: keep going, loudly.
            logger.LogError("WAL record {Lsn} is unreadable ({Message}); skipped.", lsn, e.Message);
            return new IngestBatch();
        }
    }
}
