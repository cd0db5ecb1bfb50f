namespace Veil.Ingest.Wal;

/// <summary>
/// The WAL refused an append because too much is waiting for the store (or for the disk). Nothing was written;
/// the caller should answer 503 with <see cref="RetryAfter"/>.
/// </summary>
public sealed class WalOverloadedException : Exception
{
    public WalOverloadedException() : this("The write-ahead log is overloaded.") { }

    public WalOverloadedException(string message) : base(message) { }

    public WalOverloadedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>A suggested wait before the client retries.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);
}
