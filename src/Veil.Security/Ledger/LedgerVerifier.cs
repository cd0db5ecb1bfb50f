namespace Veil.Security.Ledger;

/// <summary>
/// Recomputes the ledger's Merkle tree from the stored bytes, checks each entry against the hash stored beside it and
/// the index it declares, and checks every checkpoint (stored or exported) against the recomputed log with a
/// consistency proof. Reports the first bad entry.
/// </summary>
public static class LedgerVerifier
{
    /// <summary>A checkpoint note to check and where it came from.</summary>
    public readonly record struct CheckpointSource(string Name, string Note);

    /// <summary>Verifies the records of <paramref name="scan"/> and the <paramref name="checkpoints"/>.</summary>
    /// <param name="scan">The raw storage scan.</param>
    /// <param name="checkpoints">Stored and exported checkpoint notes.</param>
    /// <param name="signer">The key that must have signed each checkpoint; null checks the trees only and says so.</param>
    /// <param name="progress">Called now and then with entries checked.</param>
    public static LedgerVerifyReport Verify(IEnumerable<LedgerScanItem> scan, IEnumerable<CheckpointSource> checkpoints, CheckpointSigner? signer, Action<long>? progress = null)
    {
        var problems = new List<(long Entry, string Text)>();
        var notes = new List<string>();
        var tree = new MerkleTree();
        long? damagedAt = null;
        foreach (var item in scan)
        {
            if (item.Problem is not null)
            {
                problems.Add((item.Index, $"entry {item.Index} (byte {item.Offset}): {item.Problem}"));
                damagedAt = item.Index;
                break;
            }
            var record = item.Record!.Value;
            var leaf = MerkleHash.Leaf(record.Entry);
            if (!leaf.AsSpan().SequenceEqual(record.LeafHash))
            {
                problems.Add((item.Index, $"entry {item.Index} (byte {item.Offset}): its bytes do not match the hash stored with them; the entry or its hash was changed after it was written."));
            }
            else if (LedgerEntryCodec.DeclaredIndex(record.Entry) != item.Index)
            {
                problems.Add((item.Index, $"entry {item.Index} (byte {item.Offset}): it declares index {LedgerEntryCodec.DeclaredIndex(record.Entry)}; entries were moved, inserted or removed."));
            }
            tree.AppendLeafHash(leaf);
            if ((item.Index & 0xFFFF) == 0) progress?.Invoke(item.Index);
        }

        var size = tree.Size;
        var root = tree.Root(size);
        int consistent = 0, checkedCount = 0;
        var consistentSizes = new List<ulong>();
        var rewritten = new List<(string Name, ulong Size)>();
        if (signer is null) notes.Add("Checkpoint signatures were not checked (no master key): only their consistency with the log.");
        foreach (var source in checkpoints)
        {
            checkedCount++;
            Checkpoint? checkpoint;
            if (signer is not null)
            {
                checkpoint = signer.Verify(source.Note);
                if (checkpoint is null)
                {
                    problems.Add((long.MaxValue, $"checkpoint {source.Name}: not a checkpoint signed by this ledger's key {signer.Name}."));
                    continue;
                }
            }
            else
            {
                var split = source.Note.IndexOf("\n\n", StringComparison.Ordinal);
                checkpoint = split < 0 ? null : Checkpoint.ParseBody(source.Note[..(split + 1)]);
                if (checkpoint is null)
                {
                    problems.Add((long.MaxValue, $"checkpoint {source.Name}: not a checkpoint note."));
                    continue;
                }
            }
            var claimed = (ulong)checkpoint.Size;
            if (claimed > size)
            {
                var why = damagedAt is { } at
                    ? $"the log is readable only up to entry {at}"
                    : $"the log now holds only {size} entries: it was truncated, or entries {size}..{claimed - 1} were removed";
                problems.Add((Math.Min((long)size, damagedAt ?? long.MaxValue), $"checkpoint {source.Name}: signed for {claimed} entries, but {why}."));
                continue;
            }
            if (claimed == 0)
            {
                if (checkpoint.Root.AsSpan().SequenceEqual(MerkleHash.EmptyRoot())) consistent++;
                else problems.Add((0, $"checkpoint {source.Name}: size 0 with a root that is not the empty tree's."));
                continue;
            }
            // The proof a remote verifier would ask for: is the checkpointed tree a prefix of today's?
            var proof = tree.ConsistencyProof(claimed, size);
            if (MerkleProof.VerifyConsistency(claimed, size, proof, checkpoint.Root, root))
            {
                consistent++;
                consistentSizes.Add(claimed);
            }
            else
            {
                rewritten.Add((source.Name, claimed));
            }
        }
        foreach (var (name, claimed) in rewritten)
        {
            // The newest checkpoint that still matches bounds the rewrite from below.
            var from = consistentSizes.Where(c => c < claimed).DefaultIfEmpty(0UL).Max();
            problems.Add((long.MaxValue - 1, $"checkpoint {name}: the first {claimed} entries no longer hash to its root; history was rewritten within entries {from}..{claimed - 1}."));
        }
        if (problems.Count == 0 && checkedCount == 0) notes.Add("No checkpoint yet: sign one with `veil ledger checkpoint` and keep a copy elsewhere.");

        var ordered = problems.OrderBy(p => p.Entry).ToList();
        long? firstBad = ordered.Count > 0 && ordered[0].Entry < long.MaxValue - 1 ? ordered[0].Entry : null;
        return new LedgerVerifyReport
        {
            EntriesChecked = (long)size,
            Root = root,
            CheckpointsChecked = checkedCount,
            CheckpointsConsistent = consistent,
            FirstBadEntry = firstBad,
            Problems = [.. ordered.Select(p => p.Text)],
            Notes = notes,
        };
    }

    /// <summary>Verifies the ledger of a data directory (stopped or running) with its stored checkpoints and <paramref name="exported"/> ones.</summary>
    public static LedgerVerifyReport VerifyDirectory(string dataDirectory, CheckpointSigner? signer, IEnumerable<CheckpointSource>? exported = null, Action<long>? progress = null)
    {
        var stored = new CheckpointStore(LedgerPaths.Checkpoints(dataDirectory)).All().Select(c => new CheckpointSource(Path.GetFileName(c.File), c.Note));
        return Verify(FileLedgerStore.ScanPath(LedgerPaths.Log(dataDirectory)), stored.Concat(exported ?? []).ToList(), signer, progress);
    }
}
