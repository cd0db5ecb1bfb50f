namespace Veil.Ingest.Wal;

/// <summary>
/// Writing or fsyncing an append failed (disk full, I/O error). The record was not acknowledged; the WAL cut
/// the segment back to its last durable byte and stays usable for later appends. (Only if that cut also fails and
/// the process then dies can such a record reappear on restart; ingestion dedups by <c>$insert_id</c>.)
/// </summary>
public sealed class WalWriteException : Exception
{
    public WalWriteException() : this("Writing to the write-ahead log failed.") { }

    public WalWriteException(string message) : base(message) { }

    public WalWriteException(string message, Exception innerException) : base(message, innerException) { }
}
