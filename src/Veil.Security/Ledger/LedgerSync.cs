namespace Veil.Security.Ledger;

/// <summary>When ledger entries are fsynced; see <see cref="AccessLedgerOptions.Sync"/>.</summary>
public enum LedgerSync
{
    /// <summary>Before the read proceeds (one fsync covers every entry written before it): durable across machine crashes.</summary>
    EveryBatch,

    /// <summary>On a short timer after the write: lower latency, a window of entries a machine crash can lose.</summary>
    Interval,
}
