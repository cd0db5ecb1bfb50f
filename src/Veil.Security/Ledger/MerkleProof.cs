using System.Numerics;

namespace Veil.Security.Ledger;

/// <summary>
/// Verifies RFC 9162 inclusion and consistency proofs, and their subtree generalisations
/// (a subtree [start, end) with start a multiple of the smallest power of two ≥ end − start, as in
/// Merkle Tree Certificates). Each method returns false for any malformed or wrong proof; none throws.
/// </summary>
public static class MerkleProof
{
    /// <summary>Whether <paramref name="proof"/> shows the leaf <paramref name="leafHash"/> at <paramref name="index"/> in the tree of <paramref name="size"/> with <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(ulong index, ulong size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        var computed = RootFromInclusion(index, size, leafHash, proof);
        return computed is not null && root.SequenceEqual(computed);
    }

    /// <summary>Inclusion of leaf <paramref name="index"/> in the subtree [<paramref name="start"/>, <paramref name="end"/>) whose hash is <paramref name="subtreeRoot"/>.</summary>
    public static bool VerifySubtreeInclusion(ulong index, ulong start, ulong end, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> subtreeRoot)
    {
        if (!IsValidSubtree(start, end) || index < start || index >= end) return false;
        return VerifyInclusion(index - start, end - start, leafHash, proof, subtreeRoot);
    }

    /// <summary>Whether the tree of <paramref name="size1"/> with <paramref name="root1"/> is a prefix of the tree of <paramref name="size2"/> with <paramref name="root2"/>.</summary>
    public static bool VerifyConsistency(ulong size1, ulong size2, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2)
    {
        // A proof from the empty tree proves nothing; RFC 9162 rejects it.
        if (size1 == 0 || size2 < size1) return false;
        return VerifySubtreeConsistency(0, size1, size2, proof, root1, root2);
    }

    /// <summary>
    /// Whether the subtree [<paramref name="start"/>, <paramref name="end"/>) with hash <paramref name="subtreeRoot"/> is part of
    /// the tree of <paramref name="size"/> with <paramref name="root"/>.
    /// </summary>
    public static bool VerifySubtreeConsistency(ulong start, ulong end, ulong size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> subtreeRoot, ReadOnlySpan<byte> root)
    {
        if (start == end)
        {
            // The empty subtree is part of every tree; its hash is the empty root and needs no proof.
            return end <= size && proof.Count == 0 && subtreeRoot.SequenceEqual(MerkleHash.EmptyRoot());
        }
        if (!IsValidSubtree(start, end) || end > size) return false;
        if (start == 0 && end == size) return proof.Count == 0 && subtreeRoot.SequenceEqual(root);
        if (proof.Count == 0 || !AllHashes(proof)) return false;

        var height = BitLength((end - 1) ^ start); // level of the subtree's own root
        var next = 0;
        if (end == size)
        {
            // The subtree runs to the tree's right edge: only the left siblings above its root are needed.
            var hash = subtreeRoot.ToArray();
            for (var node = start >> height; node > 0; node >>= 1)
            {
                if ((node & 1) == 0) continue;
                if (next == proof.Count) return false;
                hash = MerkleHash.Node(proof[next++], hash);
            }
            return next == proof.Count && root.SequenceEqual(hash);
        }

        // Start from the largest complete node that ends the subtree; it is the subtree itself when the width is a power of two.
        var level = BitOperations.TrailingZeroCount(end - start);
        byte[] seed;
        if (end - start == 1UL << level) seed = subtreeRoot.ToArray();
        else seed = proof[next++];
        var oldHash = seed; // the subtree as it was: [start, end)
        var newHash = seed; // the same node grown inside the tree of `size`
        var last = (end - 1) >> level;
        var edge = (size - 1) >> level;
        for (; edge > 0; level++, last >>= 1, edge >>= 1)
        {
            var isRightChild = (last & 1) == 1;
            var hasRightSibling = !isRightChild && last < edge;
            if (!isRightChild && !hasRightSibling) continue; // promoted unchanged
            if (next == proof.Count) return false;
            var sibling = proof[next++];
            if (isRightChild)
            {
                if (level < height) oldHash = MerkleHash.Node(sibling, oldHash);
                newHash = MerkleHash.Node(sibling, newHash);
            }
            else
            {
                newHash = MerkleHash.Node(newHash, sibling);
            }
        }
        return next == proof.Count && subtreeRoot.SequenceEqual(oldHash) && root.SequenceEqual(newHash);
    }

    /// <summary>The root an inclusion proof leads to, or null when the proof is malformed.</summary>
    public static byte[]? RootFromInclusion(ulong index, ulong size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof)
    {
        if (index >= size || leafHash.Length != MerkleHash.Size || !AllHashes(proof)) return null;
        var hash = leafHash.ToArray();
        var node = index;
        var edge = size - 1;
        var next = 0;
        for (; edge > 0; node >>= 1, edge >>= 1)
        {
            var isRightChild = (node & 1) == 1;
            if (!isRightChild && node == edge) continue; // last node of its level: promoted unchanged
            if (next == proof.Count) return null;
            hash = isRightChild ? MerkleHash.Node(proof[next++], hash) : MerkleHash.Node(hash, proof[next++]);
        }
        return next == proof.Count ? hash : null;
    }

    /// <summary>A subtree [start, end) is valid when non-empty and start is a multiple of the smallest power of two ≥ its width.</summary>
    public static bool IsValidSubtree(ulong start, ulong end)
    {
        if (end <= start) return false;
        if (start == 0) return true;
        var width = end - start;
        if (width > 1UL << 63) return false; // its power-of-two ceiling overflows, and no start > 0 can be aligned to it
        var ceiling = BitOperations.RoundUpToPowerOf2(width);
        return start % ceiling == 0;
    }

    private static int BitLength(ulong value) => 64 - BitOperations.LeadingZeroCount(value);

    private static bool AllHashes(IReadOnlyList<byte[]> proof)
    {
        foreach (var hash in proof)
        {
            if (hash.Length != MerkleHash.Size) return false;
        }
        return true;
    }
}
