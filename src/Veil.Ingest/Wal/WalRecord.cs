namespace Veil.Ingest.Wal;

/// <summary>One durable record read back from the WAL.</summary>
/// <param name="Lsn">Log sequence number: 1 for the first record ever written, then +1 per record.</param>
/// <param name="Payload">The opaque bytes given to <see cref="WriteAheadLog.AppendAsync"/>.</param>
public readonly record struct WalRecord(long Lsn, ReadOnlyMemory<byte> Payload);
