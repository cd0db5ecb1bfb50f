using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

/// <summary>
/// The zeros preallocated after the last record: they read as the end of the log, a closed log has none, and after a
/// crash only zero-filled (torn) damage at the end is cut off; other damage stays for verify to name.
/// </summary>
public sealed class LedgerPreallocationTests
{
    private const long Preallocation = 64 * 1024;

    // A running ledger's file as a crash would leave it: its records, then zeros.
    private static async Task<(byte[] Crashed, byte[] Closed)> SnapshotAsync(string directory, int entries)
    {
        var log = LedgerPaths.Log(directory);
        var store = FileLedgerStore.Open(log, out var hashes, Preallocation);
        byte[] crashed;
        await using (var ledger = new AccessLedger(store, hashes))
        {
            for (var i = 0; i < entries; i++) await ledger.AppendAsync(LedgerTestData.Read(i, subjects: i % 4));
            for (var wait = 0; new FileInfo(log).Length < Preallocation && wait < 500; wait++) await Task.Delay(10);
            using var file = FileLedgerStore.OpenForReading(log);
            crashed = new byte[file.Length];
            file.ReadExactly(crashed);
        }
        return (crashed, await File.ReadAllBytesAsync(log));
    }

    private static List<(long Start, long End)> Spans(string log) =>
        [.. FileLedgerStore.ScanPath(log).Select(i => (i.Offset, i.Offset + 4 + i.Record!.Value.Entry.Length + MerkleHash.Size))];

    private static long Reopen(string directory, out long recovered)
    {
        using var store = FileLedgerStore.Open(LedgerPaths.Log(directory), out _, Preallocation);
        recovered = store.RecoveredTornBytes;
        return store.Count;
    }

    [Fact]
    public async Task ZerosAfterTheLastRecordReadAsTheEndAndAClosedLogHasNone()
    {
        using var dir = new TempDirectory();
        using var copy = new TempDirectory();
        var (crashed, closed) = await SnapshotAsync(dir.Path, 30);
        var spans = Spans(LedgerPaths.Log(dir.Path));
        Assert.Equal(30, spans.Count);
        Assert.Equal(spans[^1].End, closed.Length);
        Assert.True(crashed.Length >= Preallocation, $"no zeros were preallocated ({crashed.Length} bytes)");
        Assert.Equal(closed, crashed[..closed.Length]);
        Assert.False(crashed.AsSpan(closed.Length).ContainsAnyExcept((byte)0));

        await File.WriteAllBytesAsync(LedgerPaths.Log(copy.Path), crashed);
        var report = LedgerVerifier.VerifyDirectory(copy.Path, null);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(30, report.EntriesChecked);
        Assert.Equal(30, Reopen(copy.Path, out var recovered));
        Assert.Equal(0, recovered);

        // Appends continue over the zeros; closing cuts what is left of them.
        var store = FileLedgerStore.Open(LedgerPaths.Log(copy.Path), out var hashes, Preallocation);
        await using (var ledger = new AccessLedger(store, hashes))
        {
            Assert.Equal(30, (await ledger.AppendAsync(LedgerTestData.Read(30))).Index);
        }
        report = LedgerVerifier.VerifyDirectory(copy.Path, null);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(31, report.EntriesChecked);
        Assert.Equal(Spans(LedgerPaths.Log(copy.Path))[^1].End, new FileInfo(LedgerPaths.Log(copy.Path)).Length);
    }

    [Fact]
    public async Task AWriteTornByACrashIsCutOffAtTheFirstRecordWithAnUnwrittenSector()
    {
        using var dir = new TempDirectory();
        using var copy = new TempDirectory();
        var (crashed, _) = await SnapshotAsync(dir.Path, 30);
        var spans = Spans(LedgerPaths.Log(dir.Path));
        // The sector holding the last record's end never reached the disk.
        var sector = (spans[^1].End - 1) & ~511L;
        Array.Clear(crashed, (int)sector, 512);
        await File.WriteAllBytesAsync(LedgerPaths.Log(copy.Path), crashed);
        var firstTorn = spans.FindIndex(s => s.End > sector);

        Assert.False(LedgerVerifier.VerifyDirectory(copy.Path, null).Ok);
        Assert.Equal(firstTorn, Reopen(copy.Path, out var recovered));
        Assert.Equal(sector - spans[firstTorn].Start, recovered); // the written bytes cut off
        var report = LedgerVerifier.VerifyDirectory(copy.Path, null);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(firstTorn, report.EntriesChecked);
    }

    [Fact]
    public async Task AFlippedByteInTheLastRecordIsNotMistakenForATornWrite()
    {
        using var dir = new TempDirectory();
        using var copy = new TempDirectory();
        var (crashed, _) = await SnapshotAsync(dir.Path, 30);
        var spans = Spans(LedgerPaths.Log(dir.Path));
        crashed[(int)(spans[^1].Start + 40)] ^= 0x20;
        await File.WriteAllBytesAsync(LedgerPaths.Log(copy.Path), crashed);

        Assert.Equal(30, Reopen(copy.Path, out var recovered));
        Assert.Equal(0, recovered);
        var report = LedgerVerifier.VerifyDirectory(copy.Path, null);
        Assert.False(report.Ok);
        Assert.Equal(29, report.FirstBadEntry);
    }

    [Fact]
    public async Task BytesInThePreallocatedZerosAreReportedAndCutOnOpen()
    {
        using var dir = new TempDirectory();
        using var copy = new TempDirectory();
        var (crashed, closed) = await SnapshotAsync(dir.Path, 30);
        crashed[closed.Length + 1000] = 0x55;
        await File.WriteAllBytesAsync(LedgerPaths.Log(copy.Path), crashed);

        // As a crash leaves a write whose first sector kept its old content (zeros after the last record) but not its second.
        var report = LedgerVerifier.VerifyDirectory(copy.Path, null);
        Assert.False(report.Ok);
        Assert.Equal(30, report.FirstBadEntry);
        Assert.Equal(30, Reopen(copy.Path, out var recovered));
        Assert.Equal(1001, recovered);
        Assert.True(LedgerVerifier.VerifyDirectory(copy.Path, null).Ok);
    }
}
