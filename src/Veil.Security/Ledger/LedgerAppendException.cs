namespace Veil.Security.Ledger;

/// <summary>The ledger could not record a read. The read must fail and return nothing (promise 3).</summary>
public sealed class LedgerAppendException(string message, Exception? inner = null) : Exception(message, inner);
