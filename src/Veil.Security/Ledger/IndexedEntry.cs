namespace Veil.Security.Ledger;

/// <summary>An entry with where storage keeps it (<paramref name="Locator"/>, a byte offset for files) and its stored size.</summary>
public readonly record struct IndexedEntry(LedgerEntry Entry, long Locator, int Size);
