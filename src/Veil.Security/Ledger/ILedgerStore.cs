namespace Veil.Security.Ledger;

/// <summary>
/// Durable, append-only storage of ledger records. The file implementation is the default; a PostgreSQL one can follow.
/// Implementations must make <see cref="Append"/> all-or-nothing and durable before it returns.
/// </summary>
public interface ILedgerStore : IDisposable
{
    /// <summary>Records durably stored.</summary>
    long Count { get; }

    /// <summary>
    /// Appends <paramref name="records"/> (indexes <see cref="Count"/>, <see cref="Count"/>+1, …), or throws and stores none.
    /// With <paramref name="sync"/> they are durable (fsynced) on return; without, they are written and <see cref="Sync"/> follows.
    /// </summary>
    void Append(IReadOnlyList<StoredLedgerRecord> records, bool sync = true);

    /// <summary>Makes every appended record durable.</summary>
    void Sync();

    /// <summary>Where record <paramref name="index"/> lives in storage (a byte offset for files), kept by the index.</summary>
    long Locate(long index);

    /// <summary>The record at <paramref name="index"/>, as stored (not verified).</summary>
    StoredLedgerRecord Read(long index);

    /// <summary>Every record from the start, as stored, stopping at the first one that cannot be framed.</summary>
    IEnumerable<LedgerScanItem> Scan();
}
