using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

public class WalRecoveryTests
{
    private const int Header = 16;

    /// <summary>Writes <paramref name="count"/> records of varied sizes; returns their payloads (index = LSN - 1).</summary>
    private static async Task<List<byte[]>> WriteRecords(WalOptions options, int count, int seed)
    {
        var random = new Random(seed);
        var payloads = new List<byte[]>();
        await using var wal = WriteAheadLog.Open(options);
        for (var i = 0; i < count; i++)
        {
            payloads.Add(WalTestData.Random(random, random.Next(1, 120)));
            await wal.AppendAsync(payloads[^1]);
        }
        return payloads;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private static void AssertHolds(WriteAheadLog wal, IReadOnlyList<byte[]> payloads, int count)
    {
        var records = wal.ReadAll();
        Assert.Equal(count, records.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i + 1, records[i].Lsn);
            Assert.Equal(payloads[i], records[i].Payload.ToArray());
        }
    }

    [Fact]
    public async Task Truncation_anywhere_inside_the_last_record_keeps_every_earlier_record()
    {
        using var source = new TempWalDirectory();
        var payloads = await WriteRecords(source.Options(), 40, seed: 1);
        var segment = Path.GetFileName(Assert.Single(source.Segments()));
        var fileLength = new FileInfo(source.Segments()[0]).Length;
        var lastStart = fileLength - (Header + payloads[^1].Length);

        var random = new Random(5);
        for (var trial = 0; trial < 15; trial++)
        {
            using var dir = new TempWalDirectory();
            CopyDirectory(source.Path, dir.Path);
            var cut = trial == 0 ? lastStart + 1 : random.NextInt64(lastStart + 1, fileLength);
            using (var stream = new FileStream(dir.Segments()[0], FileMode.Open)) stream.SetLength(cut);

            await using var wal = WriteAheadLog.Open(dir.Options());
            var report = wal.Recovery;
            Assert.True(report.Truncated);
            Assert.Equal(39, report.RecordsRecovered);
            Assert.Equal(39, report.LastRecordLsn);
            Assert.Equal(segment, report.TruncatedSegment);
            Assert.Equal(lastStart, report.TruncatedAtOffset);
            Assert.Equal(cut - lastStart, report.BytesTruncated);
            Assert.Equal(lastStart, new FileInfo(dir.Segments()[0]).Length);
            AssertHolds(wal, payloads, 39);
            // The lost record was never acknowledged as far as the disk knows, so its LSN is handed out again.
            Assert.Equal(40, await wal.AppendAsync(new byte[] { 9 }));
        }
    }

    [Fact]
    public async Task A_flipped_byte_in_the_last_record_is_cut_off()
    {
        using var source = new TempWalDirectory();
        var payloads = await WriteRecords(source.Options(), 10, seed: 2);
        var fileLength = new FileInfo(source.Segments()[0]).Length;
        var lastStart = fileLength - (Header + payloads[^1].Length);

        // Every byte of the last record: length, checksum, LSN and payload.
        for (var position = lastStart; position < fileLength; position++)
        {
            using var dir = new TempWalDirectory();
            CopyDirectory(source.Path, dir.Path);
            using (var stream = new FileStream(dir.Segments()[0], FileMode.Open))
            {
                stream.Position = position;
                var value = stream.ReadByte();
                stream.Position = position;
                stream.WriteByte((byte)(value ^ 0x5A));
            }

            await using var wal = WriteAheadLog.Open(dir.Options());
            Assert.True(wal.Recovery.Truncated, $"flip at {position} went unnoticed");
            Assert.Equal(lastStart, wal.Recovery.TruncatedAtOffset);
            Assert.Equal(fileLength - lastStart, wal.Recovery.BytesTruncated);
            AssertHolds(wal, payloads, 9);
        }
    }

    [Fact]
    public async Task Corruption_in_an_earlier_segment_drops_the_later_segments()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize: 300);
        var payloads = await WriteRecords(options, 60, seed: 3);
        var segments = dir.Segments();
        Assert.True(segments.Length >= 4);

        // Damage the first record of the second segment.
        var secondFirstLsn = long.Parse(Path.GetFileName(segments[1])[4..24], System.Globalization.CultureInfo.InvariantCulture);
        using (var stream = new FileStream(segments[1], FileMode.Open))
        {
            stream.Position = Header + 1;
            var value = stream.ReadByte();
            stream.Position = Header + 1;
            stream.WriteByte((byte)~value);
        }
        var laterBytes = segments.Skip(1).Sum(s => new FileInfo(s).Length);

        await using var wal = WriteAheadLog.Open(options);
        var report = wal.Recovery;
        Assert.True(report.Truncated);
        Assert.Equal(Path.GetFileName(segments[1]), report.TruncatedSegment);
        Assert.Equal(0, report.TruncatedAtOffset);
        Assert.Equal(segments.Length - 2, report.SegmentsDeleted);
        Assert.Equal(laterBytes, report.BytesTruncated);
        Assert.Contains("checksum", report.Reason, StringComparison.Ordinal);
        AssertHolds(wal, payloads, (int)secondFirstLsn - 1);
        Assert.Equal(2, dir.Segments().Length);
        Assert.Equal(secondFirstLsn, await wal.AppendAsync(new byte[] { 1 }));
    }

    [Fact]
    public async Task Garbage_and_zeroes_after_the_last_record_are_cut_off()
    {
        foreach (var tail in new[] { new byte[4096], WalTestData.Random(new Random(4), 3000), new byte[7] })
        {
            using var dir = new TempWalDirectory();
            var payloads = await WriteRecords(dir.Options(), 5, seed: 4);
            var length = new FileInfo(dir.Segments()[0]).Length;
            using (var stream = new FileStream(dir.Segments()[0], FileMode.Append)) stream.Write(tail);

            await using var wal = WriteAheadLog.Open(dir.Options());
            Assert.True(wal.Recovery.Truncated);
            Assert.Equal(tail.Length, wal.Recovery.BytesTruncated);
            Assert.Equal(length, wal.Recovery.TruncatedAtOffset);
            AssertHolds(wal, payloads, 5);
            Assert.Equal(6, await wal.AppendAsync(new byte[] { 6 }));
        }
    }

    [Fact]
    public async Task A_clean_log_reports_no_truncation()
    {
        using var dir = new TempWalDirectory();
        var payloads = await WriteRecords(dir.Options(segmentSize: 500), 30, seed: 6);
        await using var wal = WriteAheadLog.Open(dir.Options(segmentSize: 500));
        Assert.False(wal.Recovery.Truncated);
        Assert.Equal(0, wal.Recovery.BytesTruncated);
        Assert.Equal(30, wal.Recovery.RecordsRecovered);
        AssertHolds(wal, payloads, 30);
    }

    [Fact]
    public async Task Checkpoint_ahead_of_the_last_record_continues_lsns_after_the_checkpoint()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        var payloads = await WriteRecords(options, 10, seed: 8);
        await using (var wal = WriteAheadLog.Open(options)) wal.Checkpoint(10);

        // Lose the last three records: the store already has them, the WAL does not.
        var keep = payloads.Take(7).Sum(p => Header + p.Length);
        using (var stream = new FileStream(dir.Segments()[0], FileMode.Open)) stream.SetLength(keep);

        await using (var wal = WriteAheadLog.Open(options))
        {
            Assert.Equal(10, wal.CheckpointLsn);
            Assert.Equal(10, wal.DurableLsn);
            Assert.Equal(7, wal.Recovery.LastRecordLsn);
            Assert.Equal(0, wal.UncheckpointedBytes);
            Assert.Empty(wal.ReadAll(10));
            Assert.Equal(11, await wal.AppendAsync(new byte[] { 11 }));
            Assert.Equal([11L], wal.ReadAll(10).Select(r => r.Lsn));
        }
        Assert.Equal("wal-00000000000000000011.log", Path.GetFileName(Assert.Single(dir.Segments())));

        await using (var wal = WriteAheadLog.Open(options))
        {
            Assert.Equal(11, wal.DurableLsn);
            Assert.Equal([11L], wal.ReadAll().Select(r => r.Lsn));
        }
    }

    [Fact]
    public async Task An_unreadable_checkpoint_file_counts_as_no_checkpoint()
    {
        using var dir = new TempWalDirectory();
        await WriteRecords(dir.Options(), 5, seed: 9);
        await File.WriteAllBytesAsync(Path.Combine(dir.Path, "checkpoint"), [1, 2, 3]);
        await using var wal = WriteAheadLog.Open(dir.Options());
        Assert.Equal(0, wal.CheckpointLsn);
        Assert.Equal(5, wal.ReadAll().Count);
    }

    [Fact]
    public async Task Empty_segment_left_by_a_crash_after_rolling_is_reused()
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options();
        await WriteRecords(options, 3, seed: 10);
        File.Create(Path.Combine(dir.Path, "wal-00000000000000000004.log")).Dispose();

        await using var wal = WriteAheadLog.Open(options);
        Assert.False(wal.Recovery.Truncated);
        Assert.Equal(4, await wal.AppendAsync(new byte[] { 4 }));
        Assert.Equal([1L, 2, 3, 4], wal.ReadAll().Select(r => r.Lsn));
        Assert.Equal(2, dir.Segments().Length);
    }
}
