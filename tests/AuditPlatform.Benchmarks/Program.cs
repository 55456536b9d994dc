using AuditPlatform.Benchmarks;

// bench [--quick] [--only <scenario,...>] [--out <file>]   |   bench soak [--minutes 60] [--rate n] [--window 30]   |   bench micro [BenchmarkDotNet arguments]
return args switch
{
    ["micro", ..] => HotFunctions.Run(args[1..]),
    ["soak", ..] when BenchOptions.Parse([]) is var options => await Soak.RunAsync(options, SoakOptions.Parse(args[1..], options.Root)),
    _ => await Runner.RunAsync(BenchOptions.Parse(args)),
};
