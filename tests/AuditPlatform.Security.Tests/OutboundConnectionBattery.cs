using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Http.Json;
using AuditPlatform.Intake;
using AuditPlatform.Notification;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.Security.Tests;

/// <summary>
/// A running service talks to its PostgreSQL, its RabbitMQ, its OTLP collector and its partners' webhooks, and to
/// nothing else: no library reports home (MassTransit 8.4+ posts usage telemetry to an outside host unless told not to).
/// </summary>
public sealed class OutboundConnectionBattery(OutboundConnectionBattery.Platform fixture) : IClassFixture<OutboundConnectionBattery.Platform>
{
    /// <summary>MassTransit's earliest report comes this long after its bus started (its own floor for the report delay).</summary>
    private static readonly TimeSpan UsageReportDelay = TimeSpan.FromSeconds(30);

    /// <summary>Where this fixture's services are told to export telemetry; nothing listens there, the attempts are what count.</summary>
    private const string OtlpEndpoint = "http://127.0.0.1:4317";

    public sealed class Platform : PlatformFixture;

    [Fact]
    public async Task A_service_handling_traffic_connects_only_to_its_configured_servers_and_partner_webhooks()
    {
        using var targets = new OutboundTargets();
        await using var webhook = await Webhook.StartAsync();
        var settings = new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = OtlpEndpoint };
        // The earliest report MassTransit allows, so the test need not wait its default five minutes.
        void EarliestUsageReport(IServiceCollection services) => services.Configure<UsageTelemetryOptions>(o => o.ReportDelay = UsageReportDelay);
        await using var intake = new ServiceHost<IntakeApp>(fixture, settings, EarliestUsageReport);
        await using var notification = new ServiceHost<NotificationApp>(fixture, settings, EarliestUsageReport);
        using (var ready = notification.CreateClient())
        {
            await Eventually.TrueAsync(async () => (await ready.GetAsync("/health/ready")).IsSuccessStatusCode, "notification to be ready");
        }

        var started = DateTime.UtcNow;
        using var admin = intake.ClientFor(Roles.Admin);
        (await admin.PutAsJsonAsync("/partners/OUT-HOOK", new { name = "Hook", country = "GB", channel = new { kind = "webhook", webhookUrl = webhook.Address } }))
            .EnsureSuccessStatusCode();
        using var notificationAdmin = notification.ClientFor(Roles.Admin);
        (await notificationAdmin.PutAsJsonAsync("/partners/OUT-HOOK/webhook-secret", new { secret = new string('s', 32) })).EnsureSuccessStatusCode();
        using var operatorClient = intake.ClientFor(Roles.Operator);
        await Eventually.TrueAsync(async () => (await operatorClient.PostAsJsonAsync("/disclosures", new
        {
            originator = "OUT-HOOK",
            title = "t",
            classification = "official",
            contentSha256 = new string('a', 64),
            recipients = new[] { "OUT-HOOK" },
            sharedBy = "desk",
            occurredAt = "2017-05-23T09:15:00Z",
        })).IsSuccessStatusCode, "the disclosure to be recorded");

        // The partner's webhook shows the listener sees the services' own HTTP connections.
        await Eventually.TrueAsync(() => webhook.Calls > 0, "the notice to reach the partner's webhook");
        var allowed = await AllowedAsync(fixture, webhook.Address, intake.ClientOptions.BaseAddress);
        // A refused negative cannot be waited on; what is waited on is the moment an unconfigured report would be due.
        await Eventually.TrueAsync(
            () => targets.Seen.Any(t => !allowed.Contains(t)) || DateTime.UtcNow > started + UsageReportDelay + TimeSpan.FromSeconds(15),
            "an unexpected connection, or the usage report's due time to pass",
            UsageReportDelay + TimeSpan.FromSeconds(60));

        Assert.Contains(targets.Seen, t => t == webhook.Address.Host);
        Assert.Empty(targets.Seen.Where(t => !allowed.Contains(t)).Distinct());
    }

    /// <summary>The host names and addresses the services and the test's own servers are configured with.</summary>
    private static async Task<HashSet<string>> AllowedAsync(PlatformFixture fixture, Uri webhook, Uri testServer)
    {
        var hosts = new[]
        {
            new Npgsql.NpgsqlConnectionStringBuilder(fixture.Database).Host!,
            fixture.Bus.Host,
            fixture.Servers.Management.Host,
            new Uri(OtlpEndpoint).Host,
            webhook.Host,
            // The test's own clients call the hosted services in memory, under this name.
            testServer.Host,
        };
        var allowed = new HashSet<string>(hosts, StringComparer.OrdinalIgnoreCase);
        foreach (var host in hosts)
        {
            foreach (var address in await Dns.GetHostAddressesAsync(host))
            {
                allowed.Add(address.ToString());
                allowed.Add(address.MapToIPv6().ToString());
            }
        }

        return allowed;
    }

    /// <summary>Every host name resolved, HTTP request made and socket connected in this process while it lives.</summary>
    private sealed class OutboundTargets : EventListener
    {
        public ConcurrentQueue<string> Seen { get; } = new();

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name is "System.Net.NameResolution" or "System.Net.Http" or "System.Net.Sockets")
            {
                EnableEvents(eventSource, EventLevel.Informational);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            var target = (eventData.EventSource.Name, eventData.EventName) switch
            {
                ("System.Net.NameResolution", "ResolutionStart") => Payload(eventData, "hostNameOrAddress"),
                ("System.Net.Http", "RequestStart") => Payload(eventData, "host"),
                ("System.Net.Sockets", "ConnectStart") => SocketTarget(Payload(eventData, "address")),
                _ => null,
            };
            if (!string.IsNullOrEmpty(target))
            {
                Seen.Enqueue(target);
            }
        }

        private static string? Payload(EventWrittenEventArgs e, string name)
        {
            var index = e.PayloadNames?.IndexOf(name) ?? -1;
            return index >= 0 ? e.Payload?[index]?.ToString() : null;
        }

        /// <summary>The IP address in a serialised socket address (<c>InterNetwork:16:{port, port, 127,0,0,1, ...}</c>: the bytes after the family); Unix sockets stay local.</summary>
        private static string? SocketTarget(string? address)
        {
            if (address is null || address.StartsWith("Unix", StringComparison.Ordinal))
            {
                return null;
            }

            var open = address.IndexOf('{', StringComparison.Ordinal);
            var bytes = open < 0 ? [] : address[(open + 1)..].TrimEnd('}').Split(',').Select(byte.Parse).ToArray();
            return address.StartsWith("InterNetworkV6:", StringComparison.Ordinal) && bytes.Length >= 22 ? new IPAddress(bytes[6..22]).ToString()
                : address.StartsWith("InterNetwork:", StringComparison.Ordinal) && bytes.Length >= 6 ? new IPAddress(bytes[2..6]).ToString()
                : address;
        }
    }

    /// <summary>A partner's webhook on loopback that accepts every notice.</summary>
    private sealed class Webhook : IAsyncDisposable
    {
        private readonly WebApplication app;
        private int calls;

        private Webhook(WebApplication app) => this.app = app;

        public Uri Address { get; private set; } = null!;

        public int Calls => Volatile.Read(ref calls);

        public static async Task<Webhook> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var webhook = new Webhook(builder.Build());
            webhook.app.MapPost("/notices", () =>
            {
                Interlocked.Increment(ref webhook.calls);
                return Results.NoContent();
            });
            await webhook.app.StartAsync();
            webhook.Address = new Uri(new Uri(webhook.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/notices");
            return webhook;
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
