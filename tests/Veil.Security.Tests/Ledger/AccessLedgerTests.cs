using Veil.Core.Privacy;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

public sealed class AccessLedgerTests
{
    [Fact]
    public async Task EntriesRoundTripSurviveReopenAndVerify()
    {
        using var dir = new TempDirectory();
        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key()))
        {
            var appended = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => ledger.AppendAsync(LedgerTestData.Read(i))));
            Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), appended.Select(e => e.Index).Order());
            Assert.Equal(50, ledger.Size);
            var read = ledger.ReadEntry(7);
            Assert.Equal(appended.Single(e => e.Index == 7).Record.Query, read.Record.Query);
            Assert.Equal(3, read.Record.Subjects.Count);
            await ledger.CheckpointAsync();
        }
        await using (var reopened = AccessLedger.Open(dir.Path, LedgerTestData.Key()))
        {
            Assert.Equal(50, reopened.Size);
            Assert.Equal(50, reopened.LatestCheckpoint!.Checkpoint.Size);
            Assert.Equal(reopened.LatestCheckpoint.Checkpoint.Root, reopened.Root(50));
            var entry = await reopened.AppendAsync(LedgerTestData.Read(50));
            Assert.Equal(50, entry.Index);
        }
        using var signer = CheckpointSigner.LoadOrCreate(LedgerPaths.SigningKey(dir.Path), LedgerTestData.Key());
        var report = LedgerVerifier.VerifyDirectory(dir.Path, signer);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(51, report.EntriesChecked);
        Assert.Equal(2, report.CheckpointsConsistent); // the explicit one at 50 and the closing one at 51
    }

    [Fact]
    public async Task ConcurrentReadersEachGetOneDistinctDurableEntry()
    {
        using var dir = new TempDirectory();
        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key(), new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero }))
        {
            var entries = await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => Task.Run(() => ledger.AppendAsync(LedgerTestData.Read(i)))));
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => (long)i), entries.Select(e => e.Index).Order());
            foreach (var e in entries.Where(e => e.Index % 97 == 0)) Assert.Equal(e.Record.Query, ledger.ReadEntry(e.Index).Record.Query);
        }
        using var signer = CheckpointSigner.LoadOrCreate(LedgerPaths.SigningKey(dir.Path), LedgerTestData.Key());
        var report = LedgerVerifier.VerifyDirectory(dir.Path, signer);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(2000, report.EntriesChecked);
    }

    [Fact]
    public async Task PersonalDataInAQueryIsRedactedBeforeItIsRecorded()
    {
        using var dir = new TempDirectory();
        var store = FileLedgerStore.Open(LedgerPaths.Log(dir.Path), out var hashes);
        await using var ledger = new AccessLedger(store, hashes);
        var entry = await ledger.AppendAsync(LedgerTestData.Read(0) with { Query = "{\"where\":{\"email\":\"jane.doe@example.com\"},\"phone\":\"+44 20 7946 0958\"}" });
        var text = LedgerEntryCodec.ToText(store.Read(entry.Index).Entry);
        Assert.DoesNotContain("jane.doe", text);
        Assert.DoesNotContain("7946", text);
        Assert.Contains("[email]", text);
    }

    [Fact]
    public async Task IntervalSyncKeepsEveryEntryAcrossAnOrderlyRestart()
    {
        using var dir = new TempDirectory();
        var options = new AccessLedgerOptions { Sync = LedgerSync.Interval, CheckpointInterval = TimeSpan.Zero };
        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key(), options))
        {
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => ledger.AppendAsync(LedgerTestData.Read(i))));
            await Task.Delay(30); // at least one timed fsync
        }
        using var signer = CheckpointSigner.LoadOrCreate(LedgerPaths.SigningKey(dir.Path), LedgerTestData.Key());
        var report = LedgerVerifier.VerifyDirectory(dir.Path, signer);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(200, report.EntriesChecked);
    }

    [Fact]
    public async Task AFailedAppendFailsTheReadAndReturnsNothing()
    {
        using var dir = new TempDirectory();
        var store = new FaultInjectingLedgerStore(FileLedgerStore.Open(LedgerPaths.Log(dir.Path), out var hashes));
        await using var ledger = new AccessLedger(store, hashes);
        await ledger.AppendAsync(LedgerTestData.Read(0));

        store.FailAppends = true;
        var served = new List<string>();
        var answerComputed = false;
        await Assert.ThrowsAsync<LedgerAppendException>(async () =>
        {
            var (answer, _) = await LedgeredRead.RunAsync(ledger, guard: null, _ =>
            {
                answerComputed = true;
                return Task.FromResult(("alice's events", LedgerTestData.Read(1)));
            });
            served.Add(answer);
        });
        Assert.True(answerComputed);
        Assert.Empty(served);
        Assert.Equal(1, ledger.Size);
        Assert.Equal(1, store.FailedAppends);

        // The ledger recovers once storage does, and the failed read left no entry behind.
        store.FailAppends = false;
        var next = await ledger.AppendAsync(LedgerTestData.Read(2));
        Assert.Equal(1, next.Index);
        Assert.Equal(LedgerTestData.Read(2).Query, ledger.ReadEntry(1).Record.Query);
    }

    [Fact]
    public async Task AFailedSyncRefusesTheReadAndEveryLaterOneUntilRestart()
    {
        using var dir = new TempDirectory();
        var store = new FaultInjectingLedgerStore(FileLedgerStore.Open(LedgerPaths.Log(dir.Path), out var hashes));
        await using (var ledger = new AccessLedger(store, hashes))
        {
            await ledger.AppendAsync(LedgerTestData.Read(0));
            store.FailSyncs = true;
            await Assert.ThrowsAsync<LedgerAppendException>(() => ledger.AppendAsync(LedgerTestData.Read(1)));
            Assert.Equal(1, ledger.Size); // the tree holds only what is known durable

            // Whether the written entry reached the disk is unknown, so the ledger stays closed even once syncs work.
            store.FailSyncs = false;
            var later = await Assert.ThrowsAsync<LedgerAppendException>(() => ledger.AppendAsync(LedgerTestData.Read(2)));
            Assert.Contains("restart", later.Message, StringComparison.OrdinalIgnoreCase);
        }

        // After a restart the log is reread: the refused read's entry is there (over-recording is the safe side) and valid.
        await using var reopened = AccessLedger.Open(dir.Path, LedgerTestData.Key());
        Assert.Equal(2, reopened.Size);
        Assert.Equal(LedgerTestData.Read(1).Query, reopened.ReadEntry(1).Record.Query);
        Assert.Equal(2, (await reopened.AppendAsync(LedgerTestData.Read(3))).Index);
    }

    [Fact]
    public async Task ProofsFromTheLedgerVerifyAgainstItsCheckpoint()
    {
        using var dir = new TempDirectory();
        await using var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key());
        for (var i = 0; i < 20; i++) await ledger.AppendAsync(LedgerTestData.Read(i));
        var early = await ledger.CheckpointAsync();
        for (var i = 20; i < 37; i++) await ledger.AppendAsync(LedgerTestData.Read(i));
        var late = await ledger.CheckpointAsync();

        Assert.NotNull(ledger.Signer!.Verify(late.Note));
        var proof = ledger.ConsistencyProof(early.Checkpoint.Size, late.Checkpoint.Size);
        Assert.True(MerkleProof.VerifyConsistency(20, 37, proof, early.Checkpoint.Root, late.Checkpoint.Root));
        var leaf = MerkleHash.Leaf(ledger.Store.Read(25).Entry);
        Assert.True(MerkleProof.VerifyInclusion(25, 37, leaf, ledger.InclusionProof(25, 37), late.Checkpoint.Root));
    }

    [Fact]
    public void SubjectSetsEncodeCompactlyAndRoundTrip()
    {
        var random = new Random(5);
        var subjects = Enumerable.Range(0, 1000).Select(_ => new Pseudonym(new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64()))).ToList();
        var set = SubjectSet.Of(subjects.Concat(subjects.Take(10)));
        Assert.Equal(1000, set.Count);
        var encoded = set.Encode();
        Assert.True(encoded.Length <= 1 + 1000 * 16, $"{encoded.Length} bytes");
        var decoded = SubjectSet.Decode(encoded, 1000);
        Assert.Equal(set.Values, decoded.Values);
        Assert.Equal(set.Commitment(), decoded.Commitment());
        Assert.Equal(0, SubjectSet.Of([]).Count);

        // Dense ids (internal numbering) shrink to about a byte each.
        var dense = SubjectSet.Of(Enumerable.Range(1, 5000).Select(i => new Pseudonym((UInt128)(i * 3))));
        Assert.True(dense.Encode().Length < 5002, $"{dense.Encode().Length} bytes");
        Assert.Equal(dense.Values, SubjectSet.Decode(dense.Encode(), 5000).Values);
    }
}
