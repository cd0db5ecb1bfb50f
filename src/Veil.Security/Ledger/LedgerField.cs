namespace Veil.Security.Ledger;

/// <summary>One field a read returned, with its classification.</summary>
public sealed record LedgerField(string Name, DataClassification Classification);
