using System.Diagnostics;
using System.Globalization;

namespace AuditPlatform.Benchmarks;

/// <summary>One run of every scenario, in order, against the platform up.sh started; the table at the end.</summary>
public static class Runner
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var clock = Stopwatch.StartNew();
        using var platform = new Platform(options);
        if (!await platform.IsUpAsync("Intake"))
        {
            await Console.Error.WriteLineAsync("Intake does not answer on http://127.0.0.1:5101/health/ready: start the platform with deploy/local/up.sh first.");
            return 2;
        }

        var report = new Report();
        Console.WriteLine($"benchmark ({(options.Quick ? "quick" : "full")}) started {DateTimeOffset.UtcNow:u}");
        if (options.Runs("ceilings"))
        {
            await Ceilings.RunAsync(platform, report);
        }

        if (options.Runs("bus"))
        {
            await IntakeOverBus.RunAsync(platform, report);
        }

        if (options.Runs("http"))
        {
            await IntakeOverHttp.RunAsync(platform, report);
        }

        if (options.Runs("breach"))
        {
            await BreachToOperator.RunAsync(platform, report);
        }

        if (options.Runs("audit"))
        {
            await AuditAtScale.RunAsync(platform, report);
        }

        var table = report.Markdown();
        Console.WriteLine();
        Console.WriteLine(table);
        await report.WriteAsync(options.Output, Machine.Describe(), options.Quick, clock.Elapsed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"written to {options.Output} after {clock.Elapsed.TotalSeconds:0} s"));
        return 0;
    }
}

/// <summary>The machine a run measured: the figures only mean something next to it.</summary>
public static class Machine
{
    public static object Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new
        {
            processors = Environment.ProcessorCount,
            cpu,
            memory,
            os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        };
    }
}
