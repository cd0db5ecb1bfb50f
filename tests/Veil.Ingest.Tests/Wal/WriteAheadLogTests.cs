using System.Collections.Concurrent;
using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

public class WriteAheadLogTests
{
    [Fact]
    public async Task Appended_records_read_back_in_order_with_lsns_from_one()
    {
        using var dir = new TempWalDirectory();
        await using var wal = WriteAheadLog.Open(dir.Options());

        var payloads = Enumerable.Range(0, 20).Select(i => WalTestData.Payload(1, i, extra: i * 13)).ToList();
        payloads.Add([]);
        for (var i = 0; i < payloads.Count; i++)
            Assert.Equal(i + 1, await wal.AppendAsync(payloads[i]));

        Assert.Equal(payloads.Count, wal.DurableLsn);
        var records = wal.ReadAll();
        Assert.Equal(payloads.Count, records.Count);
        for (var i = 0; i < payloads.Count; i++)
        {
            Assert.Equal(i + 1, records[i].Lsn);
            Assert.Equal(payloads[i], records[i].Payload.ToArray());
        }
        Assert.False(wal.Recovery.Truncated);
        Assert.Equal(0, wal.Recovery.RecordsRecovered);
    }

    [Fact]
    public async Task Lsns_continue_across_reopen_and_segments()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 200);
        var expected = new List<byte[]>();
        for (var round = 0; round < 3; round++)
        {
            await using var wal = WriteAheadLog.Open(options);
            Assert.Equal(expected.Count, wal.Recovery.RecordsRecovered);
            Assert.Equal(expected.Count, wal.DurableLsn);
            for (var i = 0; i < 10; i++)
            {
                var payload = WalTestData.Payload(round, i, extra: 40);
                expected.Add(payload);
                Assert.Equal(expected.Count, await wal.AppendAsync(payload));
            }
        }

        await using (var wal = WriteAheadLog.Open(options))
        {
            var records = wal.ReadAll();
            Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), records.Select(r => r.Lsn));
            Assert.Equal(expected, records.Select(r => r.Payload.ToArray()));
        }
        Assert.True(dir.Segments().Length > 5, "small segments should have rolled");
        Assert.Equal("wal-00000000000000000001.log", Path.GetFileName(dir.Segments()[0]));
    }

    [Fact]
    public async Task Concurrent_appenders_get_distinct_lsns_and_every_payload_reads_back()
    {
        const int writers = 32, perWriter = 500;
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 256 * 1024);
        var byLsn = new ConcurrentDictionary<long, byte[]>();
        await using (var wal = WriteAheadLog.Open(options))
        {
            await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < perWriter; i++)
                {
                    var payload = WalTestData.Payload(w, i, extra: i % 50);
                    var lsn = await wal.AppendAsync(payload);
                    Assert.True(byLsn.TryAdd(lsn, payload), $"LSN {lsn} was handed out twice");
                    Assert.True(wal.DurableLsn >= lsn);
                }
            })));

            Assert.Equal(writers * perWriter, byLsn.Count);
            Assert.Equal(writers * perWriter, wal.DurableLsn);
            AssertMatches(wal.ReadAll(), byLsn);
        }

        await using var reopened = WriteAheadLog.Open(options);
        Assert.Equal(writers * perWriter, reopened.Recovery.RecordsRecovered);
        AssertMatches(reopened.ReadAll(), byLsn);
    }

    private static void AssertMatches(IReadOnlyList<WalRecord> records, ConcurrentDictionary<long, byte[]> byLsn)
    {
        Assert.Equal(byLsn.Count, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.Equal(i + 1, records[i].Lsn);
            Assert.Equal(byLsn[records[i].Lsn], records[i].Payload.ToArray());
        }
    }

    [Fact]
    public async Task ReadAfter_respects_record_and_byte_limits_but_always_returns_one()
    {
        using var dir = new TempWalDirectory();
        await using var wal = WriteAheadLog.Open(dir.Options(segmentSize: 300));
        for (var i = 0; i < 10; i++) await wal.AppendAsync(new byte[100]);

        Assert.Equal([1L, 2, 3], wal.ReadAfter(0, 3, long.MaxValue).Select(r => r.Lsn));
        Assert.Equal([5L, 6], wal.ReadAfter(4, 10, 250).Select(r => r.Lsn));
        Assert.Equal([5L], wal.ReadAfter(4, 10, 10).Select(r => r.Lsn));
        Assert.Equal([10L], wal.ReadAfter(9, 10, 0).Select(r => r.Lsn));
        Assert.Empty(wal.ReadAfter(10, 10, long.MaxValue));
        Assert.Empty(wal.ReadAfter(99, 10, long.MaxValue));
        Assert.Equal(10, wal.ReadAfter(-5, 100, long.MaxValue).Count);
    }

    [Fact]
    public async Task ReadAfter_with_a_visitor_sees_each_payload_in_place_within_the_same_limits()
    {
        using var dir = new TempWalDirectory();
        await using var wal = WriteAheadLog.Open(dir.Options(segmentSize: 300));
        for (var i = 0; i < 10; i++) await wal.AppendAsync(Enumerable.Repeat((byte)i, 100 + i).ToArray());

        var seen = new List<(long Lsn, byte[] Payload)>();
        var (records, bytes) = wal.ReadAfter(4, 10, 250, (lsn, payload) => seen.Add((lsn, payload.ToArray())));
        Assert.Equal(2, records);
        Assert.Equal(104 + 105, bytes);
        Assert.Equal([5L, 6], seen.Select(s => s.Lsn));
        Assert.Equal(Enumerable.Repeat((byte)4, 104), seen[0].Payload);
        Assert.Equal(Enumerable.Repeat((byte)5, 105), seen[1].Payload);
        Assert.Equal((0, 0L), wal.ReadAfter(10, 10, long.MaxValue, (_, _) => Assert.Fail("nothing after the last record")));
    }

    [Fact]
    public async Task ReadAfter_finds_any_lsn_in_a_large_segment_before_and_after_reopen()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        var random = new Random(11);
        var payloads = new List<byte[]>();
        await using (var wal = WriteAheadLog.Open(options))
        {
            // Enough bytes for several sparse-index entries in one segment.
            var appends = new List<Task<long>>();
            for (var i = 0; i < 3000; i++)
            {
                payloads.Add(WalTestData.Random(random, random.Next(0, 200)));
                appends.Add(wal.AppendAsync(payloads[^1]).AsTask());
            }
            Assert.Equal(Enumerable.Range(1, 3000).Select(i => (long)i), await Task.WhenAll(appends));
            CheckRandomReads(wal);
        }
        await using (var wal = WriteAheadLog.Open(options))
            CheckRandomReads(wal);

        void CheckRandomReads(WriteAheadLog wal)
        {
            for (var probe = 0; probe < 60; probe++)
            {
                var after = random.Next(0, payloads.Count);
                var records = wal.ReadAfter(after, 5, long.MaxValue);
                Assert.Equal(Math.Min(5, payloads.Count - after), records.Count);
                for (var k = 0; k < records.Count; k++)
                {
                    Assert.Equal(after + 1 + k, records[k].Lsn);
                    Assert.Equal(payloads[after + k], records[k].Payload.ToArray());
                }
            }
        }
    }

    [Fact]
    public async Task Records_larger_than_the_group_buffer_round_trip()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 1024 * 1024);
        var random = new Random(3);
        var big = WalTestData.Random(random, 3 * 1024 * 1024);
        var small = WalTestData.Random(random, 10);
        await using (var wal = WriteAheadLog.Open(options))
        {
            var tasks = new[] { wal.AppendAsync(small).AsTask(), wal.AppendAsync(big).AsTask(), wal.AppendAsync(small).AsTask() };
            await Task.WhenAll(tasks);
        }
        await using (var wal = WriteAheadLog.Open(options))
        {
            var records = wal.ReadAll();
            Assert.Equal([small, big, small], records.Select(r => r.Payload.ToArray()));
        }
    }

    [Fact]
    public async Task Payload_above_MaxRecordBytes_is_rejected()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        options.MaxRecordBytes = 100;
        await using var wal = WriteAheadLog.Open(options);
        Assert.Throws<ArgumentException>(() => { _ = wal.AppendAsync(new byte[101]); });
        Assert.Equal(1, await wal.AppendAsync(new byte[100]));
    }

    [Fact]
    public async Task Checkpoint_deletes_old_segments_and_survives_reopen()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 1000);
        await using (var wal = WriteAheadLog.Open(options))
        {
            for (var i = 0; i < 100; i++) await wal.AppendAsync(WalTestData.Payload(0, i, extra: 92));
            var before = dir.Segments().Length;
            Assert.Equal(100L * 116, wal.UncheckpointedBytes);

            wal.Checkpoint(50);
            Assert.Equal(50, wal.CheckpointLsn);
            Assert.Equal(50L * 116, wal.UncheckpointedBytes);
            Assert.True(dir.Segments().Length < before);
            // Whatever is left starts at or below 51, and everything after the checkpoint is intact.
            Assert.True(wal.ReadAll()[0].Lsn <= 51);
            Assert.Equal(Enumerable.Range(51, 50).Select(i => (long)i), wal.ReadAll(50).Select(r => r.Lsn));

            wal.Checkpoint(30);
            Assert.Equal(50, wal.CheckpointLsn);
            Assert.Throws<ArgumentOutOfRangeException>(() => wal.Checkpoint(101));
        }

        await using (var wal = WriteAheadLog.Open(options))
        {
            Assert.Equal(50, wal.CheckpointLsn);
            Assert.Equal(50L * 116, wal.UncheckpointedBytes);
            Assert.Equal(Enumerable.Range(51, 50).Select(i => (long)i), wal.ReadAll(50).Select(r => r.Lsn));
            Assert.Equal(101, await wal.AppendAsync(new byte[] { 1, 2, 3 }));

            wal.Checkpoint(101);
            Assert.Equal(0, wal.UncheckpointedBytes);
            Assert.Single(dir.Segments());
            Assert.Empty(wal.ReadAll(101));
        }

        await using (var wal = WriteAheadLog.Open(options))
        {
            Assert.Equal(101, wal.CheckpointLsn);
            Assert.Equal(101, wal.DurableLsn);
            Assert.Equal(102, await wal.AppendAsync(new byte[] { 4 }));
        }
    }

    [Fact]
    public async Task Overload_throws_at_once_until_a_checkpoint_frees_room()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        options.MaxUncheckpointedBytes = 1000;
        await using var wal = WriteAheadLog.Open(options);

        for (var i = 0; i < 8; i++) await wal.AppendAsync(new byte[100]); // 8 × 116 = 928 bytes
        var error = Assert.Throws<WalOverloadedException>(() => { _ = wal.AppendAsync(new byte[100]); });
        Assert.True(error.RetryAfter > TimeSpan.Zero);
        Assert.Equal(8, wal.DurableLsn);

        wal.Checkpoint(8);
        Assert.Equal(9, await wal.AppendAsync(new byte[100]));
    }

    [Fact]
    public async Task Queue_of_unwritten_appends_is_bounded()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        options.MaxQueuedBytes = 500;
        var files = new FaultyFileOps();
        await using var wal = WriteAheadLog.Open(options, null, files);

        files.StallFlush();
        var first = wal.AppendAsync(new byte[100]).AsTask();
        await files.FlushStalled.WaitAsync(TimeSpan.FromSeconds(10));
        // The flusher is stuck in fsync holding the first append (116 bytes); three more fit under 500, a fourth does not.
        var queued = Enumerable.Range(0, 3).Select(_ => wal.AppendAsync(new byte[100]).AsTask()).ToList();
        Assert.Throws<WalOverloadedException>(() => { _ = wal.AppendAsync(new byte[100]); });

        files.ReleaseFlush();
        Assert.Equal(1, await first);
        var lsns = await Task.WhenAll(queued);
        Assert.Equal([2L, 3, 4], lsns);
        Assert.Equal(5, await wal.AppendAsync(new byte[100]));
    }

    [Fact]
    public async Task WaitForDurableAsync_completes_when_a_later_record_is_durable()
    {
        using var dir = new TempWalDirectory();
        var wal = WriteAheadLog.Open(dir.Options());
        await wal.WaitForDurableAsync(-1);

        var waiting = wal.WaitForDurableAsync(0);
        var waitingForTwo = wal.WaitForDurableAsync(1);
        Assert.False(waiting.IsCompleted);
        await wal.AppendAsync(new byte[] { 1 });
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(waitingForTwo.IsCompleted);

        using var cts = new CancellationTokenSource();
        var cancelled = wal.WaitForDurableAsync(5, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        await wal.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waitingForTwo);
    }

    [Fact]
    public async Task Dispose_writes_appends_already_queued()
    {
        using var dir = new TempWalDirectory();
        var wal = WriteAheadLog.Open(dir.Options());
        var appends = Enumerable.Range(0, 50).Select(i => wal.AppendAsync(WalTestData.Payload(0, i)).AsTask()).ToList();
        await wal.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await wal.AppendAsync(new byte[] { 1 }));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), (await Task.WhenAll(appends)).Order());

        await using var reopened = WriteAheadLog.Open(dir.Options());
        Assert.Equal(50, reopened.Recovery.RecordsRecovered);
    }

    [Fact]
    public async Task A_second_open_of_the_same_directory_is_refused()
    {
        using var dir = new TempWalDirectory();
        await using var wal = WriteAheadLog.Open(dir.Options());
        var error = Assert.Throws<IOException>(() => WriteAheadLog.Open(dir.Options()));
        Assert.Contains(dir.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_that_is_a_file_is_reported_clearly()
    {
        using var dir = new TempWalDirectory();
        var file = Path.Combine(dir.Path, "not-a-directory");
        File.WriteAllText(file, "x");
        var error = Assert.Throws<IOException>(() => WriteAheadLog.Open(new WalOptions { Directory = file }));
        Assert.Contains("unusable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_directory_is_created()
    {
        using var dir = new TempWalDirectory();
        var options = new WalOptions { Directory = Path.Combine(dir.Path, "data", "wal") };
        await using var wal = WriteAheadLog.Open(options);
        Assert.Equal(1, await wal.AppendAsync(new byte[] { 1 }));
        Assert.True(File.Exists(Path.Combine(options.Directory, "wal-00000000000000000001.log")));
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => WriteAheadLog.Open(new WalOptions()));
        Assert.Throws<ArgumentException>(() => WriteAheadLog.Open(new WalOptions { Directory = "x", SegmentSizeBytes = 0 }));
    }
}
