namespace Veil.Security.Ledger;

/// <summary>Another process (a running server) holds the ledger for writing.</summary>
public sealed class LedgerInUseException(string message, Exception inner) : Exception(message, inner);
