namespace Veil.Security.Ledger;

/// <summary>One stored ledger entry: the record, its position and its time.</summary>
/// <param name="Index">Position in the log, from 0; also the Merkle leaf index.</param>
/// <param name="Time">When the read was recorded (UTC, millisecond precision).</param>
/// <param name="Record">What was read, by whom, about whom.</param>
public sealed record LedgerEntry(long Index, DateTimeOffset Time, AccessRecord Record);
