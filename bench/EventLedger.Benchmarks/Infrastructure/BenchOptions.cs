namespace EventLedger.Benchmarks.Infrastructure;

public sealed record BenchOptions(int Operations, int Concurrency, string ReportPath);
