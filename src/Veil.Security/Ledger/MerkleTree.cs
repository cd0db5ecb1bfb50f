using System.Numerics;

namespace Veil.Security.Ledger;

/// <summary>
/// An append-only RFC 9162 Merkle tree kept in memory as every complete node, level by level, packed 32 bytes per
/// hash (64 bytes per leaf in all), so roots and proofs for any earlier size cost O(log n) hashes.
/// Not thread-safe: the ledger serialises appends and reads under its own lock.
/// </summary>
public sealed class MerkleTree
{
    // _levels[l] holds the hash of the complete node covering leaves [i·2^l, (i+1)·2^l) at position i.
    private readonly List<HashColumn> _levels = [new()];

    /// <summary>Leaves in the tree.</summary>
    public ulong Size => (ulong)_levels[0].Count;

    /// <summary>Appends a leaf hash and fills in every node it completes.</summary>
    public void AppendLeafHash(byte[] leafHash)
    {
        if (leafHash.Length != MerkleHash.Size) throw new ArgumentException("A leaf hash is 32 bytes.", nameof(leafHash));
        _levels[0].Add(leafHash);
        var level = 0;
        var index = _levels[0].Count - 1;
        while ((index & 1) == 1)
        {
            var nodes = _levels[level];
            var parent = MerkleHash.Node(nodes[index - 1], nodes[index]);
            level++;
            if (_levels.Count == level) _levels.Add(new HashColumn());
            _levels[level].Add(parent);
            index >>= 1;
        }
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    public byte[] LeafHash(ulong index) => _levels[0][checked((long)index)].ToArray();

    /// <summary>The root of the tree's first <paramref name="size"/> leaves.</summary>
    public byte[] Root(ulong size)
    {
        if (size > Size) throw new ArgumentOutOfRangeException(nameof(size), $"The tree has {Size} leaves, not {size}.");
        return size == 0 ? MerkleHash.EmptyRoot() : SubtreeHash(0, size);
    }

    /// <summary>The RFC 9162 inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="size"/>.</summary>
    public List<byte[]> InclusionProof(ulong index, ulong size)
    {
        if (size > Size || index >= size) throw new ArgumentOutOfRangeException(nameof(index), $"Leaf {index} is not in a tree of {size} (the log has {Size}).");
        var proof = new List<byte[]>();
        Path(index, 0, size, proof);
        return proof;
    }

    /// <summary>The RFC 9162 consistency proof between sizes <paramref name="size1"/> ≤ <paramref name="size2"/>.</summary>
    public List<byte[]> ConsistencyProof(ulong size1, ulong size2)
    {
        if (size2 > Size || size1 > size2) throw new ArgumentOutOfRangeException(nameof(size1), $"Need 0 ≤ {size1} ≤ {size2} ≤ {Size}.");
        var proof = new List<byte[]>();
        if (size1 == 0 || size1 == size2) return proof;
        SubProof(size1, 0, size2, true, proof);
        return proof;
    }

    // RFC 9162 §2.1.3.1 PATH(m, D[start:end)), appended bottom-up.
    private void Path(ulong m, ulong start, ulong end, List<byte[]> proof)
    {
        if (end - start == 1) return;
        var k = SplitPoint(end - start);
        if (m - start < k)
        {
            Path(m, start, start + k, proof);
            proof.Add(SubtreeHash(start + k, end));
        }
        else
        {
            Path(m, start + k, end, proof);
            proof.Add(SubtreeHash(start, start + k));
        }
    }

    // RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end), b).
    private void SubProof(ulong m, ulong start, ulong end, bool complete, List<byte[]> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!complete) proof.Add(SubtreeHash(start, end));
            return;
        }
        var k = SplitPoint(n);
        if (m <= k)
        {
            SubProof(m, start, start + k, complete, proof);
            proof.Add(SubtreeHash(start + k, end));
        }
        else
        {
            SubProof(m - k, start + k, end, false, proof);
            proof.Add(SubtreeHash(start, start + k));
        }
    }

    /// <summary>MTH of leaves [start, end), from stored complete nodes (a fresh array).</summary>
    private byte[] SubtreeHash(ulong start, ulong end)
    {
        var width = end - start;
        if (BitOperations.IsPow2(width) && start % width == 0)
        {
            var level = BitOperations.TrailingZeroCount(width);
            return _levels[level][checked((long)(start >> level))].ToArray();
        }
        var k = SplitPoint(width);
        return MerkleHash.Node(SubtreeHash(start, start + k), SubtreeHash(start + k, end));
    }

    // The largest power of two smaller than n (n ≥ 2).
    private static ulong SplitPoint(ulong n) => BitOperations.RoundUpToPowerOf2(n) >> 1;

    // One level's hashes, packed into 32 KiB chunks (under the large-object heap's threshold; no per-hash object).
    private sealed class HashColumn
    {
        private const int ChunkHashes = 1024;
        private readonly List<byte[]> _chunks = [];

        public long Count { get; private set; }

        public ReadOnlySpan<byte> this[long index] =>
            _chunks[(int)(index / ChunkHashes)].AsSpan((int)(index % ChunkHashes) * MerkleHash.Size, MerkleHash.Size);

        public void Add(ReadOnlySpan<byte> hash)
        {
            if (Count % ChunkHashes == 0) _chunks.Add(new byte[ChunkHashes * MerkleHash.Size]);
            hash.CopyTo(_chunks[^1].AsSpan((int)(Count % ChunkHashes) * MerkleHash.Size));
            Count++;
        }
    }
}
