namespace Veil.Ingest.Wal;

/// <summary>What <see cref="WalRecordCursor.MoveNext"/> found.</summary>
internal enum WalCursorResult
{
    Record,
    End,
    Torn,
}
