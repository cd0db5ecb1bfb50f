namespace Veil.Security.Ledger;

/// <summary>One step of a raw scan of ledger storage: a record, or the problem that stopped the scan at <see cref="Index"/>.</summary>
/// <param name="Index">The record's position.</param>
/// <param name="Record">The record when it could be framed; null with <paramref name="Problem"/> otherwise.</param>
/// <param name="Problem">Why storage could not be read past this point, in words.</param>
/// <param name="Offset">Byte offset of the record in storage, for reports.</param>
public readonly record struct LedgerScanItem(long Index, StoredLedgerRecord? Record, string? Problem, long Offset);
