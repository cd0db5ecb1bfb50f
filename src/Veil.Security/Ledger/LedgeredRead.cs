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
}
