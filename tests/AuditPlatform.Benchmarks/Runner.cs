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
            await Console.Error.WriteLineAsync($"Intake does not answer on {Platform.Base("Intake")}health/ready: start the platform with deploy/local/up.sh first.");
            return 2;
        }

        var report = new Report();
        Console.WriteLine($"benchmark ({(options.Quick ? "quick" : "full")}) started {DateTimeOffset.UtcNow:u}");
        if (options.Runs("ceilings"))
        {
            await GuardedAsync(report, "ceilings", () => Ceilings.RunAsync(platform, report));
        }

        if (options.Runs("bus"))
        {
            await GuardedAsync(report, "bus", () => IntakeOverBus.RunAsync(platform, report));
        }

        if (options.Runs("webhook"))
        {
            await GuardedAsync(report, "webhook", () => WebhookDrain.RunAsync(platform, report));
        }

        if (options.Runs("http"))
        {
            await GuardedAsync(report, "http", () => IntakeOverHttp.RunAsync(platform, report));
        }

        if (options.Runs("breach"))
        {
            await GuardedAsync(report, "breach", () => BreachToOperator.RunAsync(platform, report));
        }

        if (options.Runs("audit"))
        {
            await GuardedAsync(report, "settle", () => Settle.RunAsync(platform, report));
            await GuardedAsync(report, "audit", () => AuditAtScale.RunAsync(platform, report));
        }

        var table = report.Markdown();
        Console.WriteLine();
        Console.WriteLine(table);
        await report.WriteAsync(options.Output, Machine.Describe(), options.Quick ? "quick" : "full", clock.Elapsed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"written to {options.Output} after {clock.Elapsed.TotalSeconds:0} s"));
        return 0;
    }

    /// <summary>A scenario that fails (a service that went away, a contract that changed) is reported, and the run goes on.</summary>
    private static async Task GuardedAsync(Report report, string scenario, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or TimeoutException
            or TaskCanceledException or Npgsql.NpgsqlException or RabbitMQ.Client.Exceptions.RabbitMQClientException
            or RabbitMQ.Client.Exceptions.OperationInterruptedException or System.Text.Json.JsonException or Marten.Exceptions.MartenException)
        {
            report.Add(new Figure(scenario, "scenario failed", null, string.Empty, Note: $"{e.GetType().Name}: {e.Message}"));
        }
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
