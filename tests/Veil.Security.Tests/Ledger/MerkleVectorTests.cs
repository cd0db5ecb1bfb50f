using System.Text.Json;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

/// <summary>Every transparency-dev/merkle vector (tests/Veil.Security.Tests/MerkleVectors): our verifier must agree with each.</summary>
public sealed class MerkleVectorTests
{
    public static TheoryData<string> Files(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(TestPaths.MerkleVectors(), folder), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(TestPaths.MerkleVectors(), file));
        }
        return data;
    }

    public static TheoryData<string> InclusionFiles() => Files("inclusion");
    public static TheoryData<string> ConsistencyFiles() => Files("consistency");
    public static TheoryData<string> SubtreeInclusionFiles() => Files("subtreeinclusion");
    public static TheoryData<string> SubtreeConsistencyFiles() => Files("subtreeconsistency");

    [Theory]
    [MemberData(nameof(InclusionFiles))]
    public void Inclusion(string file)
    {
        var v = Load(file);
        var ok = MerkleProof.VerifyInclusion(v.U("leafIdx"), v.U("treeSize"), v.B("leafHash"), v.Proof(), v.B("root"));
        Assert.True(ok != v.WantErr, $"{file}: {v.Desc}: verifier said {(ok ? "valid" : "invalid")}");
    }

    [Theory]
    [MemberData(nameof(ConsistencyFiles))]
    public void Consistency(string file)
    {
        var v = Load(file);
        var ok = MerkleProof.VerifyConsistency(v.U("size1"), v.U("size2"), v.Proof(), v.B("root1"), v.B("root2"));
        Assert.True(ok != v.WantErr, $"{file}: {v.Desc}: verifier said {(ok ? "valid" : "invalid")}");
    }

    [Theory]
    [MemberData(nameof(SubtreeInclusionFiles))]
    public void SubtreeInclusion(string file)
    {
        var v = Load(file);
        var ok = MerkleProof.VerifySubtreeInclusion(v.U("leafIdx"), v.U("start"), v.U("end"), v.B("leafHash"), v.Proof(), v.B("root"));
        Assert.True(ok != v.WantErr, $"{file}: {v.Desc}: verifier said {(ok ? "valid" : "invalid")}");
    }

    [Theory]
    [MemberData(nameof(SubtreeConsistencyFiles))]
    public void SubtreeConsistency(string file)
    {
        var v = Load(file);
        var ok = MerkleProof.VerifySubtreeConsistency(v.U("start"), v.U("end"), v.U("size"), v.Proof(), v.B("root1"), v.B("root2"));
        Assert.True(ok != v.WantErr, $"{file}: {v.Desc}: verifier said {(ok ? "valid" : "invalid")}");
    }

    [Fact]
    public void EveryVectorFolderIsCovered()
    {
        var total = InclusionFiles().Count + ConsistencyFiles().Count + SubtreeInclusionFiles().Count + SubtreeConsistencyFiles().Count;
        Assert.Equal(Directory.EnumerateFiles(TestPaths.MerkleVectors(), "*.json", SearchOption.AllDirectories).Count(), total);
        Assert.True(total > 500, $"only {total} vectors found");
    }

    private static Vector Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.MerkleVectors(), file)));
        return new Vector(doc.RootElement.Clone());
    }

    private readonly record struct Vector(JsonElement Root)
    {
        public bool WantErr => Root.GetProperty("wantErr").GetBoolean();
        public string Desc => Root.GetProperty("desc").GetString() ?? "";
        public ulong U(string name) => Root.GetProperty(name).GetUInt64();
        public byte[] B(string name) => Root.GetProperty(name).ValueKind == JsonValueKind.Null ? [] : Root.GetProperty(name).GetBytesFromBase64();

        public List<byte[]> Proof()
        {
            var proof = Root.GetProperty("proof");
            return proof.ValueKind == JsonValueKind.Null ? [] : [.. proof.EnumerateArray().Select(e => e.GetBytesFromBase64())];
        }
    }
}
