using Veil.Core.Events;

namespace Veil.Storage;

/// <summary>
/// One atomic apply fed a batch at a time (<see cref="IEventStore.BeginApply"/>), so the writer never holds more than
/// one decoded WAL record: events are deduplicated and appended as they come, and nothing is visible or durable until
/// <see cref="Commit"/>. Disposing without committing rolls everything back. Use it from one thread.
/// </summary>
public interface IStoreApply : IDisposable
{
    /// <summary>Adds the batch of WAL record <paramref name="lsn"/>; LSNs must increase and be above the applied LSN.</summary>
    /// <exception cref="ArgumentException">The LSN is not above the previous one.</exception>
    void Add(long lsn, IngestBatch batch);

    /// <summary>
    /// Makes everything added durable in one transaction and sets <see cref="IEventStore.AppliedLsn"/> to the last LSN
    /// added; with nothing added, does nothing.
    /// </summary>
    StoreApplyResult Commit();
}
