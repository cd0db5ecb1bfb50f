namespace Veil.Security.Ledger;

/// <summary>Ledger storage is damaged; `veil ledger verify` names the first bad entry.</summary>
public sealed class LedgerCorruptException(string message) : Exception(message);
