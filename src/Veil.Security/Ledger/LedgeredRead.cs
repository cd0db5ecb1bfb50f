using Veil.Security.Guard;

namespace Veil.Security.Ledger;

/// <summary>
/// The one order every read path follows: compute the answer, record it on the ledger, and only then hand it out.
/// If the ledger cannot record it, the answer is dropped and <see cref="LedgerAppendException"/> propagates.
/// </summary>
public static class LedgeredRead
{
    /// <summary>Runs <paramref name="compute"/>, appends the record it describes, and returns the answer only once the entry is durable.</summary>
    public static async Task<(T Answer, LedgerEntry Entry)> RunAsync<T>(AccessLedger ledger, Func<CancellationToken, Task<(T Answer, AccessRecord Record)>> compute, CancellationToken cancellationToken = default)
    {
        var (answer, record) = await compute(cancellationToken);
        var entry = await ledger.AppendAsync(record, cancellationToken);
        return (answer, entry);
    }

    /// <summary>
    /// As <see cref="RunAsync{T}(AccessLedger, Func{CancellationToken, Task{ValueTuple{T, AccessRecord}}}, CancellationToken)"/>, with the
    /// exfiltration guard deciding between computing and recording: a denied read throws <see cref="GuardDeniedException"/>
    /// and is neither recorded nor returned (nothing left the system).
    /// </summary>
    public static async Task<(T Answer, LedgerEntry Entry)> RunAsync<T>(AccessLedger ledger, ExfiltrationGuard guard, Func<CancellationToken, Task<(T Answer, AccessRecord Record)>> compute, CancellationToken cancellationToken = default)
    {
        var (answer, record) = await compute(cancellationToken);
        var decision = guard.Check(record.Principal, record.Credential, record.Subjects, record.Rows);
        if (!decision.Allowed) throw new GuardDeniedException(decision.Reason!);
        var entry = await ledger.AppendAsync(record, cancellationToken);
        return (answer, entry);
    }
}
