namespace Veil.Security.Ledger;

/// <summary>What `veil ledger verify` found.</summary>
public sealed record LedgerVerifyReport
{
    /// <summary>Whether the log and every checkpoint checked out.</summary>
    public bool Ok => Problems.Count == 0;

    /// <summary>Entries whose bytes, hash and position were checked.</summary>
    public long EntriesChecked { get; init; }

    /// <summary>Root of the entries that checked out.</summary>
    public byte[] Root { get; init; } = [];

    /// <summary>Checkpoints found consistent with the log.</summary>
    public int CheckpointsConsistent { get; init; }

    /// <summary>Checkpoints examined in all.</summary>
    public int CheckpointsChecked { get; init; }

    /// <summary>The first entry found bad, if any.</summary>
    public long? FirstBadEntry { get; init; }

    /// <summary>Every problem, in words, first found first.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Notes that are not failures (e.g. signatures not checked without the key).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
