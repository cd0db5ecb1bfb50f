namespace Veil.Security.Ledger;

/// <summary>One record as storage holds it: the canonical entry bytes and the leaf hash written beside them.</summary>
public readonly record struct StoredLedgerRecord(long Index, byte[] Entry, byte[] LeafHash);
