using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace AuditPlatform.Benchmarks;

/// <summary>Scenario 4: a breach reported over HTTP until its case shows on Escalation's <c>/escalations/stream</c>.</summary>
public static class BreachToOperator
{
    private const string Scenario = "4 breach to operator";

    public static async Task RunAsync(Platform platform, Report report)
    {
        Console.WriteLine("== 4 breach to operator");
        if (!await platform.IsUpAsync("Escalation"))
        {
            report.NotAvailable(Scenario, "breach→case on stream p99", "ms", "Escalation is not running", "< 1000 ms");
            return;
        }

        await platform.RegisterPartnersAsync([IntakeOverBus.Originator, .. IntakeOverBus.Recipients]);
        var waiting = new ConcurrentDictionary<string, TaskCompletionSource>();
        using var stop = new CancellationTokenSource();
        using var stream = platform.Request(HttpMethod.Get, "Escalation", "/escalations/stream", "operator");
        stream.Headers.Accept.ParseAdd("text/event-stream");
        using var sse = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var refused = (int?)null;

        // The stream sends its headers with its first event, so it is read in the background from the start.
        var reading = Task.Run(async () =>
        {
            using var response = await sse.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead, stop.Token);
            if (!response.IsSuccessStatusCode)
            {
                refused = (int)response.StatusCode;
                return;
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            while (!stop.IsCancellationRequested && await reader.ReadLineAsync(stop.Token) is { } line)
            {
                foreach (var (breach, seen) in waiting)
                {
                    if (line.Contains(breach, StringComparison.OrdinalIgnoreCase))
                    {
                        seen.TrySetResult();
                    }
                }
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(1));

        var latencies = new List<double>();
        var cpu = new CpuWatch(platform.Options);
        var missed = 0;
        // One breach first, not counted: it warms the path through Intake, the bus and Escalation.
        for (var i = -1; i < platform.Options.Breaches; i++)
        {
            var disclosure = Guid.CreateVersion7();
            using (var share = platform.Request(HttpMethod.Post, "Intake", "/disclosures", "operator", IntakeOverHttp.Disclosure(disclosure)))
            using (var shared = await platform.Http.SendAsync(share))
            {
                shared.EnsureSuccessStatusCode();
            }

            var breach = Guid.CreateVersion7();
            var seen = waiting[breach.ToString("D")] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sent = Stopwatch.GetTimestamp();
            using (var breachRequest = platform.Request(HttpMethod.Post, "Intake", "/breaches", "operator", new
            {
                breachId = breach,
                disclosureId = disclosure,
                outlet = "benchmark-outlet.example",
                observedAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                severity = "high",
                description = "Benchmark breach",
                reportedBy = "benchmark",
            }))
            using (var reported = await platform.Http.SendAsync(breachRequest))
            {
                reported.EnsureSuccessStatusCode();
            }

            try
            {
                await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
                if (i >= 0)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                }
            }
            catch (TimeoutException)
            {
                missed++;
                if (reading.IsCompleted)
                {
                    break;
                }
            }

            waiting.TryRemove(breach.ToString("D"), out _);
        }

        await stop.CancelAsync();
        try
        {
            await reading.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or IOException or HttpRequestException)
        {
            // The stream ends with the run.
        }

        if (refused is { } status)
        {
            report.NotAvailable(Scenario, "breach→case on stream p99", "ms", $"/escalations/stream answered {status}", "< 1000 ms");
            return;
        }

        if (missed > 0)
        {
            report.Add(new Figure(Scenario, "breaches whose case never showed within 10 s", missed, "breaches"));
        }

        Percentiles.Report(report, Scenario, "breach→case on stream", latencies, p99Target: 150,
            limit: "one breach at a time, through Intake, the forwarder, Escalation and its stream: " + cpu.Shares());
    }
}
