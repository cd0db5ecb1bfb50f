using System.Text;
using CsCheck;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

public sealed class MerkleTreeTests
{
    private static MerkleTree Build(int n)
    {
        var tree = new MerkleTree();
        for (var i = 0; i < n; i++) tree.AppendLeafHash(MerkleHash.Leaf(Encoding.UTF8.GetBytes($"entry {i}")));
        return tree;
    }

    // The naive RFC 9162 MTH, recursively over the leaves, as the reference.
    private static byte[] NaiveRoot(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 0) return MerkleHash.EmptyRoot();
        if (leaves.Count == 1) return leaves[0];
        var k = 1;
        while (k * 2 < leaves.Count) k *= 2;
        return MerkleHash.Node(NaiveRoot([.. leaves.Take(k)]), NaiveRoot([.. leaves.Skip(k)]));
    }

    [Fact]
    public void RootsMatchTheNaiveDefinition()
    {
        var tree = Build(70);
        var leaves = Enumerable.Range(0, 70).Select(i => tree.LeafHash((ulong)i)).ToList();
        for (var size = 0; size <= 70; size++) Assert.Equal(NaiveRoot([.. leaves.Take(size)]), tree.Root((ulong)size));
    }

    [Fact]
    public void EveryGeneratedProofVerifies()
    {
        var tree = Build(40);
        for (ulong size = 1; size <= 40; size++)
        {
            var root = tree.Root(size);
            for (ulong i = 0; i < size; i++)
            {
                Assert.True(MerkleProof.VerifyInclusion(i, size, tree.LeafHash(i), tree.InclusionProof(i, size), root), $"inclusion {i}/{size}");
            }
            for (ulong m = 1; m <= size; m++)
            {
                Assert.True(MerkleProof.VerifyConsistency(m, size, tree.ConsistencyProof(m, size), tree.Root(m), root), $"consistency {m}->{size}");
            }
        }
    }

    [Fact]
    public void ProofsForRandomSizesVerifyAndRejectAWrongRoot()
    {
        var tree = Build(1500);
        Gen.Select(Gen.ULong[1, 1500], Gen.ULong[1, 1500]).Sample((a, b) =>
        {
            var (m, n) = a <= b ? (a, b) : (b, a);
            var proof = tree.ConsistencyProof(m, n);
            Assert.True(MerkleProof.VerifyConsistency(m, n, proof, tree.Root(m), tree.Root(n)));
            var wrongRoot = tree.Root(n);
            wrongRoot[7] ^= 1;
            if (m < n) Assert.False(MerkleProof.VerifyConsistency(m, n, proof, tree.Root(m), wrongRoot));
            var index = m - 1;
            Assert.True(MerkleProof.VerifyInclusion(index, n, tree.LeafHash(index), tree.InclusionProof(index, n), tree.Root(n)));
        }, iter: 300);
    }
}
