using BenchmarkDotNet.Running;
using Veil.Benchmarks;

if (args.Length > 0 && args[0] == "store-apply") return StoreHarness.Run(args);
if (args.Length > 0 && args[0].StartsWith("ledger-", StringComparison.Ordinal)) return await LedgerHarness.RunAsync(args);
BenchmarkSwitcher.FromAssembly(typeof(PipelineBenchmarks).Assembly).Run(args);
return 0;
