using AuditPlatform.Benchmarks;

// bench [--quick] [--only <scenario,...>] [--out <file>]   |   bench micro [BenchmarkDotNet arguments]
return args is ["micro", ..] ? HotFunctions.Run(args[1..]) : await Runner.RunAsync(BenchOptions.Parse(args));
