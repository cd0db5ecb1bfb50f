using System.Globalization;
using CsCheck;
using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

/// <summary>
/// Random histories of appends, failed writes, checkpoints, clean restarts and crashes, checked against a model.
/// A crash either leaves junk after the last fsync'd byte (a write that never completed) or cuts the log at an
/// arbitrary byte (modelling the fsync point moving back); either way every record wholly before the cut must come
/// back, nothing after it may, and LSNs carry on after max(last record, checkpoint).
/// </summary>
public class WalPropertyTests
{
    private abstract record Op;
    private sealed record Append(int[] Sizes) : Op
    {
        public override string ToString() => $"Append [{string.Join(' ', Sizes)}]";
    }

    private sealed record FailedAppend(bool FailFsync, int PartialBytes) : Op;
    private sealed record Checkpoint(double Fraction) : Op;
    private sealed record Reopen : Op;
    private sealed record CrashWithJunk(int Bytes) : Op;
    private sealed record CrashWithCut(double Fraction) : Op;

    private static readonly Gen<Op> OpGen = Gen.Frequency(
        (6, Gen.Int[0, 150].Array[1, 6].Select(sizes => (Op)new Append(sizes))),
        (1, Gen.Select(Gen.Bool, Gen.Int[0, 60], (fsync, partial) => (Op)new FailedAppend(fsync, partial))),
        (2, Gen.Double[0, 1].Select(f => (Op)new Checkpoint(f))),
        (1, Gen.Const((Op)new Reopen())),
        (1, Gen.Int[1, 300].Select(n => (Op)new CrashWithJunk(n))),
        (2, Gen.Double[0, 1].Select(f => (Op)new CrashWithCut(f))));

    [Fact]
    public void No_record_acknowledged_before_the_cut_is_ever_lost()
    {
        Gen.Select(OpGen.Array[1, 14], Gen.Int[200, 900], Gen.UInt)
            .Sample((ops, segmentSize, seed) => Run(ops, segmentSize, seed), iter: 70, threads: 1,
                print: t => $"segment {t.Item2}, seed {t.Item3}: {string.Join(", ", t.Item1.Select(o => o.ToString()))}");
    }

    private static void Run(Op[] ops, int segmentSize, uint seed) => RunAsync(ops, segmentSize, seed).GetAwaiter().GetResult();

    private static async Task RunAsync(Op[] ops, int segmentSize, uint seed)
    {
        using var dir = new TempWalDirectory();
        var options = dir.Options(segmentSize);
        var random = new Random((int)seed);
        var files = new FaultyFileOps();
        var model = new SortedDictionary<long, byte[]>();
        long checkpoint = 0, next = 1;

        var wal = WriteAheadLog.Open(options, null, files);
        try
        {
            foreach (var op in ops)
            {
                switch (op)
                {
                    case Append append:
                        foreach (var size in append.Sizes)
                        {
                            var payload = WalTestData.Random(random, size);
                            Assert.Equal(next, await wal.AppendAsync(payload));
                            model[next++] = payload;
                        }
                        break;

                    case FailedAppend failed:
                        if (failed.FailFsync) files.FailNextFlushes(1);
                        else files.FailNextWrites(1, failed.PartialBytes);
                        await Assert.ThrowsAsync<WalWriteException>(async () => await wal.AppendAsync(WalTestData.Random(random, 30)));
                        break;

                    case Checkpoint cp:
                        var target = checkpoint + (long)Math.Floor(cp.Fraction * (wal.DurableLsn - checkpoint));
                        wal.Checkpoint(target);
                        checkpoint = Math.Max(checkpoint, target);
                        break;

                    case Reopen:
                        await wal.DisposeAsync();
                        wal = WriteAheadLog.Open(options, null, files);
                        Assert.False(wal.Recovery.Truncated, wal.Recovery.Reason);
                        break;

                    case CrashWithJunk junk:
                        await wal.DisposeAsync();
                        using (var stream = new FileStream(dir.Segments()[^1], FileMode.Append))
                            stream.Write(WalTestData.Random(random, junk.Bytes));
                        wal = WriteAheadLog.Open(options, null, files);
                        Assert.True(wal.Recovery.Truncated);
                        break;

                    case CrashWithCut cut:
                        await wal.DisposeAsync();
                        var lostFrom = CutAt(dir, model, cut.Fraction);
                        foreach (var lsn in model.Keys.Where(k => k >= lostFrom).ToList()) model.Remove(lsn);
                        // An emptied segment still names the LSN it starts at, so LSNs never go below it.
                        var floor = lostFrom == long.MaxValue ? next - 1 : lostFrom - 1;
                        next = Math.Max(model.Count > 0 ? model.Keys.Max() : 0, Math.Max(checkpoint, floor)) + 1;
                        wal = WriteAheadLog.Open(options, null, files);
                        break;
                }
                Check(wal, model, checkpoint, next);
            }
        }
        finally
        {
            await wal.DisposeAsync();
        }
    }

    private static void Check(WriteAheadLog wal, SortedDictionary<long, byte[]> model, long checkpoint, long next)
    {
        Assert.Equal(checkpoint, wal.CheckpointLsn);
        Assert.Equal(next - 1, wal.DurableLsn);
        var expected = model.Where(kv => kv.Key > checkpoint).ToList();
        var records = wal.ReadAfter(checkpoint, int.MaxValue, long.MaxValue);
        Assert.Equal(expected.Select(kv => kv.Key), records.Select(r => r.Lsn));
        for (var i = 0; i < records.Count; i++) Assert.Equal(expected[i].Value, records[i].Payload.ToArray());
        Assert.Equal(expected.Sum(kv => 16L + kv.Value.Length), wal.UncheckpointedBytes);

        // Records at or below the checkpoint may still be there (their segment is kept); any that are must be right.
        foreach (var record in wal.ReadAfter(0, int.MaxValue, long.MaxValue))
            Assert.Equal(model[record.Lsn], record.Payload.ToArray());
    }

    /// <summary>
    /// Truncates the segment files at a byte position chosen over all of them and returns the first LSN whose record
    /// no longer fits wholly before the cut (long.MaxValue when the cut fell on the end of a file).
    /// </summary>
    private static long CutAt(TempWalDirectory dir, SortedDictionary<long, byte[]> model, double fraction)
    {
        var segments = dir.Segments();
        var lengths = segments.Select(s => new FileInfo(s).Length).ToArray();
        var position = (long)Math.Floor(fraction * lengths.Sum());
        var index = 0;
        while (index < segments.Length - 1 && position >= lengths[index])
        {
            position -= lengths[index];
            index++;
        }
        if (position >= lengths[index]) return long.MaxValue;

        // Walk the model's records through this file, as the format lays them out.
        var lsn = long.Parse(Path.GetFileName(segments[index])[4..24], CultureInfo.InvariantCulture);
        long offset = 0;
        while (offset + 16 + model[lsn].Length <= position)
        {
            offset += 16 + model[lsn].Length;
            lsn++;
        }
        using (var stream = new FileStream(segments[index], FileMode.Open)) stream.SetLength(position);
        return lsn;
    }
}
