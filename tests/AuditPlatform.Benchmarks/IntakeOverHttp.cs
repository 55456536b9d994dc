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
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var sent = Stopwatch.GetTimestamp();
                using var request = platform.Request(HttpMethod.Post, "Intake", "/disclosures", "operator", Disclosure(Guid.CreateVersion7()));
                using var response = await platform.Http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
                else
                {
                    failures.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                }
            }
        }));
        var rate = latencies.Count / clock.Elapsed.TotalSeconds;
        var note = failures.IsEmpty ? $"{Clients} clients" : $"{Clients} clients; not created: " + string.Join(", ", failures.Select(f => $"{(int)f.Key}×{f.Value}"));
        report.Add(new Figure(Scenario, "disclosures created", Math.Round(rate, 1), "req/s", Ceilings.Combined, report.RatioTo(Ceilings.Combined, rate), Note: note));
        Percentiles.Report(report, Scenario, "POST /disclosures", latencies);
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
