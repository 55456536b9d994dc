using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using AuditPlatform.Notification.Notices.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// Scenario 2, webhook partners: the notice backlog a saturating load leaves for two partners reached by webhook, and how
/// fast Notification delivers it once the load has ended. The partners are a receiver in this process on loopback that
/// checks every signature as a partner would and answers 204 at once, so the figure is Notification's, not the receiver's.
/// </summary>
public static class WebhookDrain
{
    private const string Scenario = "2 intake over bus";
    private const string DisclosureRecorded = "disclosure_recorded";
    private const string PartnerNotified = "partner_notified";
    private static readonly string[] Recipients = [$"BENCH-{IntakeOverBus.RunTag}-W1", $"BENCH-{IntakeOverBus.RunTag}-W2"];
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static async Task RunAsync(Platform platform, Report report)
    {
        Console.WriteLine("== 2 intake over bus: backlog drain to webhook partners");
        await using var receiver = await Receiver.StartAsync();
        await platform.RegisterPartnersAsync([IntakeOverBus.Originator]);
        await platform.RegisterPartnersAsync(Recipients, code => new Uri(receiver.Address, "/hook/" + code));
        foreach (var code in Recipients)
        {
            receiver.Secrets[code] = await SetSecretAsync(platform, code);
        }

        await using var ledger = platform.Ledger();
        var token = platform.Options.Token("operator");
        var factory = platform.PlatformBus("bench-webhook-drain");
        await using var connection = await factory.CreateConnectionAsync();

        // One disclosure first, until both its notices arrive: Notification has learnt the partners' channels from the
        // ledger and the path works end to end before anything is timed.
        await Ceilings.PublishManyAsync(connection, IntakeOverBus.CommandExchange, string.Empty, 1,
            _ => IntakeOverBus.Command(Guid.CreateVersion7(), token, IntakeOverBus.Originator, Recipients));
        if (!await receiver.AwaitAsync(Recipients.Length, TimeSpan.FromSeconds(60)))
        {
            report.Add(new Figure(Scenario, "notices delivered after the load (backlog drain, webhook partners)", null, "msg/s",
                Note: $"not measured: the first disclosure's notices did not reach the loopback receiver within 60 s ({receiver.Received} received)"));
            return;
        }

        var count = platform.Options.WebhookDisclosures;
        var start = await IntakeOverBus.LastSequenceAsync(ledger);
        var receivedBefore = receiver.Received;
        var began = DateTimeOffset.UtcNow;
        await Ceilings.PublishManyAsync(connection, IntakeOverBus.CommandExchange, string.Empty, count,
            _ => IntakeOverBus.Command(Guid.CreateVersion7(), token, IntakeOverBus.Originator, Recipients));
        var tally = new LedgerTally(ledger, start, DisclosureRecorded, PartnerNotified);
        var seen = new List<LedgerRow>();
        var accepted = await tally.AwaitAsync(DisclosureRecorded, count, Poll, TimeSpan.FromSeconds(20), seen);
        var loadEnded = tally.Latest(DisclosureRecorded) ?? began;
        var drainCpu = new CpuWatch(platform.Options);
        var delivered = await tally.AwaitAsync(PartnerNotified, accepted * Recipients.Length, Poll, TimeSpan.FromSeconds(15), seen);
        var drainShares = drainCpu.Shares();
        var drained = tally.Latest(PartnerNotified) ?? loadEnded;
        var left = delivered - seen.Count(r => r.Type == PartnerNotified && r.At <= loadEnded);
        var received = receiver.Received - receivedBefore;
        var checks = string.Create(CultureInfo.InvariantCulture,
            $"{delivered:#,0} of {accepted * Recipients.Length:#,0} delivered; the receiver took {received:#,0} POSTs, {receiver.BadSignatures} with a bad signature");
        report.Add(IntakeOverBus.Drain("webhook partners", left, (drained - loadEnded).TotalSeconds, 500,
            string.Create(CultureInfo.InvariantCulture, $"the load of {accepted:#,0} disclosures"), checks, "planning and delivery (the receiver is the benchmark): " + drainShares));
    }

    private static async Task<string> SetSecretAsync(Platform platform, string code)
    {
        using var request = platform.Request(HttpMethod.Put, "Notification", $"/partners/{code}/webhook-secret", "admin", new { });
        using var response = await platform.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"setting the webhook secret of {code}: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()
            ?? throw new InvalidOperationException($"Notification generated no secret for {code}");
    }

    /// <summary>The partners' end: POST /hook/{code}, the signature checked under the partner's secret, 204.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication app;
        private long received;
        private long badSignatures;

        private Receiver(WebApplication app, Uri address)
        {
            this.app = app;
            Address = address;
        }

        public Uri Address { get; }

        public ConcurrentDictionary<string, string> Secrets { get; } = new();

        public long Received => Interlocked.Read(ref received);

        public long BadSignatures => Interlocked.Read(ref badSignatures);

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            Receiver? self = null;
            app.MapPost("/hook/{code}", async (string code, HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                self!.Take(code, body.ToArray(), request.Headers[WebhookSignature.Header].ToString());
                return Results.NoContent();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            self = new Receiver(app, new Uri(address));
            return self;
        }

        public async Task<bool> AwaitAsync(long count, TimeSpan within)
        {
            using var deadline = new CancellationTokenSource(within);
            while (Received < count && !deadline.IsCancellationRequested)
            {
                await Task.Delay(100, CancellationToken.None);
            }

            return Received >= count;
        }

        private void Take(string code, byte[] body, string signature)
        {
            var good = Secrets.TryGetValue(code, out var secret) && WebhookSignature.Verify(secret, body, signature);
            Interlocked.Increment(ref good ? ref received : ref badSignatures);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
