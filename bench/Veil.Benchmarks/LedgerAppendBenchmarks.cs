using BenchmarkDotNet.Attributes;
using Veil.Security.Ledger;

namespace Veil.Benchmarks;

/// <summary>
/// One ledger append as a read pays it: canonical encoding, leaf hash, write, fsync and tree update, awaited.
/// Baseline: encoding and hashing the entry only (what any ledger must do). Single caller, so each append is its own
/// group commit: the worst case for fsync cost per read.
/// </summary>
[MemoryDiagnoser]
public class LedgerAppendBenchmarks
{
    private string _directory = null!;
    private AccessLedger _ledger = null!;
    private AccessLedger _intervalLedger = null!;
    private LedgerWorkload _workload = null!;
    private long _i;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("veil-ledger-bench-").FullName;
        var store = FileLedgerStore.Open(LedgerPaths.Log(_directory), out var hashes);
        _ledger = new AccessLedger(store, hashes, index: LedgerIndex.Open(LedgerPaths.Index(_directory)));
        var second = Path.Combine(_directory, "interval");
        Directory.CreateDirectory(second);
        var intervalStore = FileLedgerStore.Open(LedgerPaths.Log(second), out var intervalHashes);
        _intervalLedger = new AccessLedger(intervalStore, intervalHashes, index: LedgerIndex.Open(LedgerPaths.Index(second)),
            options: new AccessLedgerOptions { Sync = LedgerSync.Interval });
        _workload = new LedgerWorkload(1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ledger.Dispose();
        _intervalLedger.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "encode + leaf hash (baseline)")]
    public byte[] Encode()
    {
        var bytes = LedgerEntryCodec.Encode(new LedgerEntry(_i++, DateTimeOffset.UnixEpoch, _workload.Next(_i)));
        return MerkleHash.Leaf(bytes);
    }

    [Benchmark(Description = "AppendAsync (durable, fsync)")]
    public Task<LedgerEntry> Append() => _ledger.AppendAsync(_workload.Next(_i++));

    [Benchmark(Description = "AppendAsync (write; fsync every 10 ms)")]
    public Task<LedgerEntry> AppendInterval() => _intervalLedger.AppendAsync(_workload.Next(_i++));
}
