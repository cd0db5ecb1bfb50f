using Veil.Security.Guard;

namespace Veil.Security.Ledger;

/// <summary>
/// The one order every read path follows: compute the answer, let the exfiltration guard decide, record the read on
/// the ledger, and only then hand the answer out. A denied read is neither recorded nor returned (nothing left the
/// system); if the ledger cannot record it, the answer is dropped and <see cref="LedgerAppendException"/> propagates.
/// </summary>
public static class LedgeredRead
{
    /// <summary>
    /// Checks <paramref name="record"/> against <paramref name="guard"/> (when given) and appends it; returns once the
    /// entry is durable. Throws <see cref="GuardDeniedException"/> when the guard refuses.
    /// </summary>
    public static async Task<LedgerEntry> RecordAsync(AccessLedger ledger, ExfiltrationGuard? guard, AccessRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(record);
        if (guard is not null)
        {
            var decision = guard.Check(record.Principal, record.Credential, record.Subjects, record.Rows, record.Project);
            if (!decision.Allowed) throw new GuardDeniedException(decision.Reason!);
        }
        return await ledger.AppendAsync(record, cancellationToken);
    }

    /// <summary>Runs <paramref name="compute"/>, then <see cref="RecordAsync"/> with the record it describes, and returns the answer.</summary>
    public static async Task<(T Answer, LedgerEntry Entry)> RunAsync<T>(AccessLedger ledger, ExfiltrationGuard? guard, Func<CancellationToken, Task<(T Answer, AccessRecord Record)>> compute, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compute);
        var (answer, record) = await compute(cancellationToken);
        var entry = await RecordAsync(ledger, guard, record, cancellationToken);
        return (answer, entry);
    }
}
