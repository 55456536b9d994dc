using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace AuditPlatform.Benchmarks;

/// <summary>Scenario 3: 32 clients posting disclosures over HTTP back to back, each request timed.</summary>
public static class IntakeOverHttp
{
    private const string Scenario = "3 intake over HTTP";
    private const int Clients = 32;

    public static async Task RunAsync(Platform platform, Report report)
    {
        Console.WriteLine("== 3 intake over HTTP");
        await platform.RegisterPartnersAsync([IntakeOverBus.Originator, .. IntakeOverBus.Recipients]);
        var latencies = new ConcurrentBag<double>();
        var failures = new ConcurrentDictionary<HttpStatusCode, int>();
        using var stop = new CancellationTokenSource(platform.Options.HttpWindow);
        var cpu = new CpuWatch(platform.Options);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (status, milliseconds) = await PostAsync(platform);
                if (status == HttpStatusCode.Created)
                {
                    latencies.Add(milliseconds);
                }
                else
                {
                    failures.AddOrUpdate(status, 1, (_, n) => n + 1);
                }
            }
        }));
        var rate = latencies.Count / clock.Elapsed.TotalSeconds;
        var perRequest = cpu.PerUnit(latencies.Count).Values.Sum();
        var shares = cpu.Shares();
        var note = failures.IsEmpty ? $"{Clients} clients" : $"{Clients} clients; not created: " + string.Join(", ", failures.Select(f => $"{(int)f.Key}×{f.Value}"));
        var ratio = report.RatioTo(Ceilings.Combined, rate);
        report.Add(new Figure(Scenario, "disclosures created", Math.Round(rate, 1), "req/s", Ceilings.Combined, ratio,
            "≥ 0.35 of (c)", ratio is null ? null : ratio >= 0.35, note,
            string.Create(CultureInfo.InvariantCulture, $"{perRequest:0.0} ms of CPU per disclosure created; {shares}")));
        Percentiles.Report(report, Scenario, "POST /disclosures, saturated,", latencies);
        if (rate > 0)
        {
            await PacedAsync(platform, report, rate / 2);
        }
    }

    /// <summary>
    /// The same requests at half the saturated rate, each started on its schedule whatever the others are doing (an
    /// open loop: a slow answer does not slow the senders down, as it would not slow down real clients).
    /// </summary>
    private static async Task PacedAsync(Platform platform, Report report, double rate)
    {
        var window = platform.Options.HttpWindow;
        var count = (int)(rate * window.TotalSeconds);
        var latencies = new ConcurrentBag<double>();
        var failed = 0;
        var cpu = new CpuWatch(platform.Options);
        var pending = await Pacing.StartAsync(count, rate, _ => Task.Run(async () =>
        {
            var (status, milliseconds) = await PostAsync(platform);
            if (status == HttpStatusCode.Created)
            {
                latencies.Add(milliseconds);
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        }));

        await Task.WhenAll(pending);
        var shares = cpu.Shares();
        report.Add(new Figure(Scenario, "paced request rate (half the saturated rate)", Math.Round(count / window.TotalSeconds, 1), "req/s",
            Note: $"{latencies.Count} of {count} created{(failed == 0 ? string.Empty : $", {failed} refused")}"));
        Percentiles.Report(report, Scenario, "POST /disclosures at half rate", latencies, p99Target: 100,
            limit: "each request waits behind the rest of the work on the cores (the disclosures it causes are planned and delivered meanwhile): " + shares);
    }

    /// <summary>One new disclosure posted; its status and how long the answer took.</summary>
    private static async Task<(HttpStatusCode Status, double Milliseconds)> PostAsync(Platform platform)
    {
        var sent = Stopwatch.GetTimestamp();
        using var request = platform.Request(HttpMethod.Post, "Intake", "/disclosures", "operator", Disclosure(Guid.CreateVersion7()));
        using var response = await platform.Http.SendAsync(request);
        return (response.StatusCode, Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
    }

    public static object Disclosure(Guid id) => new
    {
        disclosureId = id,
        originator = IntakeOverBus.Originator,
        title = "Benchmark disclosure " + id.ToString("N")[..8],
        classification = "official",
        caveats = new[] { "NOFORN" },
        contentSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(id.ToByteArray())),
        recipients = IntakeOverBus.Recipients,
        sharedBy = "benchmark",
        occurredAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    };
}
