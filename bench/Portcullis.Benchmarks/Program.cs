using BenchmarkDotNet.Running;
using Portcullis.Benchmarks;

// Named by a benchmark type: the command line this project references has a Program of its own.
BenchmarkSwitcher.FromAssembly(typeof(PolicyEvaluationBenchmark).Assembly).Run(args);
