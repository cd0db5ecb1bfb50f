namespace Veil.Security.Ledger;

/// <summary>Where the ledger's files live in a data directory.</summary>
public static class LedgerPaths
{
    /// <summary>The append-only log of entries (the authoritative record).</summary>
    public static string Log(string dataDirectory) => Path.Combine(dataDirectory, "ledger.log");

    /// <summary>The search index for incident reports (derived from the log; rebuilt when missing).</summary>
    public static string Index(string dataDirectory) => Path.Combine(dataDirectory, "ledger-index.db");

    /// <summary>Signed checkpoints, one note per file.</summary>
    public static string Checkpoints(string dataDirectory) => Path.Combine(dataDirectory, "ledger-checkpoints");

    /// <summary>The checkpoint signing key, wrapped by the master key.</summary>
    public static string SigningKey(string dataDirectory) => Path.Combine(dataDirectory, "ledger-signing.key");
}
