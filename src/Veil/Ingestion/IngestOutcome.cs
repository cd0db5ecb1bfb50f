namespace Veil.Ingestion;

/// <summary>What became of a batch handed to <see cref="IngestionService"/>.</summary>
public enum IngestOutcome
{
    /// <summary>Durable in the WAL: safe to acknowledge.</summary>
    Durable,
    /// <summary>The store writer is behind; the client should retry later (503).</summary>
    Overloaded,
    /// <summary>The WAL could not be written (e.g. disk full); the client should retry later (503).</summary>
    StorageUnavailable,
}
