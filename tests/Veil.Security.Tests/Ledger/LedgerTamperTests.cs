using System.Buffers.Binary;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

/// <summary>Tamper evidence: any flipped byte, a truncation or a rewritten history is caught and the entry named.</summary>
public sealed class LedgerTamperTests
{
    private static async Task<(string Exported, CheckpointSigner Signer)> BuildLedgerAsync(string dataDirectory, string outside, int entries)
    {
        var options = new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero };
        var exported = Path.Combine(outside, "exported.checkpoint");
        options.Publishers.Add(new FileCheckpointPublisher(exported));
        await using (var ledger = AccessLedger.Open(dataDirectory, LedgerTestData.Key(), options))
        {
            for (var i = 0; i < entries; i++) await ledger.AppendAsync(LedgerTestData.Read(i, subjects: i % 4));
            await ledger.CheckpointAsync();
        }
        return (exported, CheckpointSigner.LoadOrCreate(LedgerPaths.SigningKey(dataDirectory), LedgerTestData.Key()));
    }

    private static List<(long Start, long End)> RecordSpans(string log)
    {
        return [.. FileLedgerStore.ScanPath(log).Select(i => (i.Offset, i.Offset + 4 + i.Record!.Value.Entry.Length + MerkleHash.Size))];
    }

    [Fact]
    public async Task FlippingAnyByteFailsVerifyAndNamesTheEntry()
    {
        using var dir = new TempDirectory();
        using var outside = new TempDirectory();
        var (_, signer) = await BuildLedgerAsync(dir.Path, outside.Path, 40);
        using var _signer = signer;
        var log = LedgerPaths.Log(dir.Path);
        var original = await File.ReadAllBytesAsync(log);
        var spans = RecordSpans(log);
        Assert.True(LedgerVerifier.VerifyDirectory(dir.Path, signer).Ok);

        var random = new Random(1234);
        var positions = Enumerable.Range(0, 300).Select(_ => random.Next(original.Length)).Concat([0, 7, 8, 9, 11, original.Length - 1]).ToList();
        foreach (var position in positions)
        {
            var damaged = (byte[])original.Clone();
            damaged[position] ^= (byte)random.Next(1, 256);
            await File.WriteAllBytesAsync(log, damaged);

            var report = LedgerVerifier.VerifyDirectory(dir.Path, signer);

            Assert.False(report.Ok, $"flipping byte {position} went unnoticed");
            var expected = position < FileLedgerStore.Magic.Length ? 0 : spans.FindIndex(s => position >= s.Start && position < s.End);
            Assert.True(report.FirstBadEntry == expected, $"byte {position} is in entry {expected}, verify named {report.FirstBadEntry}: {report.Problems[0]}");
            Assert.Contains($"entry {expected}", report.Problems[0]);
        }
        await File.WriteAllBytesAsync(log, original);
        Assert.True(LedgerVerifier.VerifyDirectory(dir.Path, signer).Ok);
    }

    [Fact]
    public async Task TruncationIsCaughtAgainstAnExportedCheckpoint()
    {
        using var dir = new TempDirectory();
        using var outside = new TempDirectory();
        var (exported, signer) = await BuildLedgerAsync(dir.Path, outside.Path, 30);
        using var _signer = signer;
        var log = LedgerPaths.Log(dir.Path);
        var spans = RecordSpans(log);

        // The attacker cuts the last five entries at a record boundary and removes the checkpoints kept beside the ledger.
        using (var file = new FileStream(log, FileMode.Open)) file.SetLength(spans[25].Start);
        Directory.Delete(LedgerPaths.Checkpoints(dir.Path), recursive: true);
        Assert.True(LedgerVerifier.VerifyDirectory(dir.Path, signer).Ok, "without an outside checkpoint a clean cut is invisible");

        var report = LedgerVerifier.VerifyDirectory(dir.Path, signer, [new("exported", await File.ReadAllTextAsync(exported))]);
        Assert.False(report.Ok);
        Assert.Equal(25, report.FirstBadEntry);
        Assert.Contains("signed for 30 entries", report.Problems[0]);
        Assert.Contains("truncated", report.Problems[0]);
    }

    [Fact]
    public async Task RewrittenHistoryIsCaughtAgainstAnExportedCheckpoint()
    {
        using var dir = new TempDirectory();
        using var outside = new TempDirectory();
        var (exported, signer) = await BuildLedgerAsync(dir.Path, outside.Path, 30);
        using var _signer = signer;
        var log = LedgerPaths.Log(dir.Path);

        // The attacker replaces entry 12 with an innocent-looking one, recomputing its stored hash, so every entry checks out alone.
        var records = FileLedgerStore.ScanPath(log).Select(i => i.Record!.Value).ToList();
        var forged = LedgerEntryCodec.Decode(records[12].Entry);
        forged = forged with { Record = forged.Record with { Subjects = SubjectSet.Empty, Rows = 0 } };
        var bytes = LedgerEntryCodec.Encode(forged);
        records[12] = new StoredLedgerRecord(12, bytes, MerkleHash.Leaf(bytes));
        using (var file = new FileStream(log, FileMode.Create))
        {
            file.Write(FileLedgerStore.Magic);
            foreach (var r in records)
            {
                var length = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)r.Entry.Length);
                file.Write(length);
                file.Write(r.Entry);
                file.Write(r.LeafHash);
            }
        }
        Directory.Delete(LedgerPaths.Checkpoints(dir.Path), recursive: true);

        var report = LedgerVerifier.VerifyDirectory(dir.Path, signer, [new("exported", await File.ReadAllTextAsync(exported))]);
        Assert.False(report.Ok);
        Assert.Contains("rewritten within entries 0..29", report.Problems[0]);

        // A forged checkpoint for the new history does not carry Veil's signature.
        using var forger = CheckpointSigner.FromSeed(signer.Name, new byte[32]);
        var fake = forger.Sign(new Checkpoint(signer.Name, 30, new byte[32]));
        Assert.Null(signer.Verify(fake.Note));
    }
}
