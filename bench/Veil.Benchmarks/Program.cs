using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Veil.Benchmarks.PipelineBenchmarks).Assembly).Run(args);
