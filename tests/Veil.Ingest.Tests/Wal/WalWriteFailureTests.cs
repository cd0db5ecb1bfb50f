using System.Collections.Concurrent;
using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

public class WalWriteFailureTests
{
    private static async Task AssertReopensWith(WalOptions options, IReadOnlyList<byte[]> payloads)
    {
        await using var wal = WriteAheadLog.Open(options);
        Assert.False(wal.Recovery.Truncated, wal.Recovery.Reason);
        var records = wal.ReadAll();
        Assert.Equal(Enumerable.Range(1, payloads.Count).Select(i => (long)i), records.Select(r => r.Lsn));
        Assert.Equal(payloads, records.Select(r => r.Payload.ToArray()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(40)]
    public async Task A_full_disk_mid_write_fails_the_append_and_leaves_the_file_consistent(int partialBytes)
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        var files = new FaultyFileOps();
        var kept = new List<byte[]>();
        await using (var wal = WriteAheadLog.Open(options, null, files))
        {
            for (var i = 0; i < 5; i++)
            {
                kept.Add(WalTestData.Payload(0, i, extra: 30));
                await wal.AppendAsync(kept[^1]);
            }
            var durableLength = new FileInfo(dir.Segments()[0]).Length;

            files.FailNextWrites(1, partialBytes);
            var error = await Assert.ThrowsAsync<WalWriteException>(async () => await wal.AppendAsync(WalTestData.Payload(9, 9, extra: 30)));
            Assert.IsType<IOException>(error.InnerException);
            Assert.Equal(5, wal.DurableLsn);
            Assert.Equal(durableLength, new FileInfo(dir.Segments()[0]).Length);

            // Space is back: the next append gets the LSN the failed one never had.
            kept.Add(WalTestData.Payload(0, 5));
            Assert.Equal(6, await wal.AppendAsync(kept[^1]));
        }
        await AssertReopensWith(options, kept);
    }

    [Fact]
    public async Task A_failed_fsync_is_never_reported_as_success()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        var files = new FaultyFileOps();
        var kept = new List<byte[]>();
        await using (var wal = WriteAheadLog.Open(options, null, files))
        {
            kept.Add([1]);
            await wal.AppendAsync(kept[^1]);
            files.FailNextFlushes(1);
            await Assert.ThrowsAsync<WalWriteException>(async () => await wal.AppendAsync(new byte[] { 2 }));
            Assert.Equal(1, wal.DurableLsn);
            Assert.Single(wal.ReadAll());
            kept.Add([3]);
            Assert.Equal(2, await wal.AppendAsync(kept[^1]));
        }
        await AssertReopensWith(options, kept);
    }

    [Fact]
    public async Task When_cutting_back_fails_too_the_next_write_repairs_first()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        var files = new FaultyFileOps();
        var kept = new List<byte[]>();
        await using (var wal = WriteAheadLog.Open(options, null, files))
        {
            kept.Add([1]);
            await wal.AppendAsync(kept[^1]);
            files.FailNextFlushes(1);
            files.FailNextSetLengths(2);
            await Assert.ThrowsAsync<WalWriteException>(async () => await wal.AppendAsync(new byte[] { 2, 2, 2 }));
            // The repair before this write fails as well, so this append fails rather than land after stale bytes.
            await Assert.ThrowsAsync<WalWriteException>(async () => await wal.AppendAsync(new byte[] { 3, 3 }));
            kept.Add([4]);
            Assert.Equal(2, await wal.AppendAsync(kept[^1]));
        }
        await AssertReopensWith(options, kept);
    }

    [Fact]
    public async Task Failing_to_start_a_segment_fails_the_append_and_a_later_one_starts_it()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 100);
        var files = new FaultyFileOps();
        var kept = new List<byte[]>();
        await using (var wal = WriteAheadLog.Open(options, null, files))
        {
            kept.Add(new byte[80]);
            await wal.AppendAsync(kept[^1]);
            files.FailNextSegmentCreations(1);
            await Assert.ThrowsAsync<WalWriteException>(async () => await wal.AppendAsync(new byte[80]));
            Assert.Single(dir.Segments());
            kept.Add(new byte[50]);
            Assert.Equal(2, await wal.AppendAsync(kept[^1]));
            Assert.Equal(2, dir.Segments().Length);
        }
        await AssertReopensWith(options, kept);
    }

    [Fact]
    public async Task Concurrent_appends_across_failures_keep_exactly_the_acknowledged_records()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 4096);
        var files = new FaultyFileOps();
        var acknowledged = new ConcurrentDictionary<long, byte[]>();
        var failures = 0;
        await using (var wal = WriteAheadLog.Open(options, null, files))
        {
            var writers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 200; i++)
                {
                    if (w == 0 && i % 40 == 20) files.FailNextWrites(1, partialBytes: 25);
                    if (w == 1 && i % 50 == 25) files.FailNextFlushes(1);
                    var payload = WalTestData.Payload(w, i, extra: 20);
                    try
                    {
                        var lsn = await wal.AppendAsync(payload);
                        Assert.True(acknowledged.TryAdd(lsn, payload));
                    }
                    catch (WalWriteException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            })).ToList();
            await Task.WhenAll(writers);
        }

        Assert.True(failures > 0);
        Assert.Equal(16 * 200, acknowledged.Count + failures);
        await using var reopened = WriteAheadLog.Open(options);
        Assert.False(reopened.Recovery.Truncated);
        var records = reopened.ReadAll();
        Assert.Equal(acknowledged.Count, records.Count);
        foreach (var record in records) Assert.Equal(acknowledged[record.Lsn], record.Payload.ToArray());
    }

    [Fact]
    public async Task Checkpoint_on_a_full_disk_overwrites_the_checkpoint_file_in_place()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 100);
        var files = new FaultyFileOps();
        await using (var wal = WriteAheadLog.Open(options, null, files))
        {
            for (var i = 0; i < 10; i++) await wal.AppendAsync(new byte[60]);
            wal.Checkpoint(2);
            files.FailNextNewSmallFiles(1);
            wal.Checkpoint(8);
            Assert.Equal(8, wal.CheckpointLsn);
            Assert.Equal(2, dir.Segments().Length);
        }
        await using (var wal = WriteAheadLog.Open(options))
        {
            Assert.Equal(8, wal.CheckpointLsn);
            Assert.Equal([9L, 10], wal.ReadAll(8).Select(r => r.Lsn));
        }
    }

    [Fact]
    public async Task A_first_checkpoint_that_cannot_be_written_throws_and_changes_nothing()
    {
        using var dir = new TempWalDirectory();
        var files = new FaultyFileOps();
        await using var wal = WriteAheadLog.Open(dir.Options(), null, files);
        await wal.AppendAsync(new byte[] { 1 });
        files.FailNextNewSmallFiles(1);
        Assert.Throws<IOException>(() => wal.Checkpoint(1));
        Assert.Equal(0, wal.CheckpointLsn);
        wal.Checkpoint(1);
        Assert.Equal(1, wal.CheckpointLsn);
    }
}
