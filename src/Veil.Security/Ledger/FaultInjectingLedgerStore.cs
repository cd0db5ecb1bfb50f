namespace Veil.Security.Ledger;

/// <summary>
/// A store that fails appends on demand, for tests of "the ledger append fails, so the read fails and returns nothing".
/// Wrap the real store: <c>new AccessLedger(new FaultInjectingLedgerStore(store), hashes)</c>, then set <see cref="FailAppends"/>.
/// </summary>
public sealed class FaultInjectingLedgerStore(ILedgerStore inner) : ILedgerStore
{
    /// <summary>While true, every append throws an <see cref="IOException"/> and stores nothing.</summary>
    public bool FailAppends { get; set; }

    /// <summary>While true, every sync throws an <see cref="IOException"/> (the write itself succeeds).</summary>
    public bool FailSyncs { get; set; }

    /// <summary>Appends attempted while failing.</summary>
    public int FailedAppends { get; private set; }

    /// <inheritdoc />
    public long Count => inner.Count;

    /// <inheritdoc />
    public void Append(IReadOnlyList<StoredLedgerRecord> records, bool sync = true)
    {
        if (FailAppends)
        {
            FailedAppends++;
            throw new IOException("Injected ledger append failure (disk full).");
        }
        inner.Append(records, sync);
    }

    /// <inheritdoc />
    public void Sync()
    {
        if (FailAppends || FailSyncs) throw new IOException("Injected ledger sync failure.");
        inner.Sync();
    }

    /// <inheritdoc />
    public long Locate(long index) => inner.Locate(index);

    /// <inheritdoc />
    public StoredLedgerRecord Read(long index) => inner.Read(index);

    /// <inheritdoc />
    public IEnumerable<LedgerScanItem> Scan() => inner.Scan();

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();
}
