using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AuditPlatform.Audit;
using AuditPlatform.Contracts.Tests.AsyncApi;
using AuditPlatform.Escalation;
using AuditPlatform.Intake;
using AuditPlatform.Notification;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace AuditPlatform.Contracts.Tests;

/// <summary>
/// The bus the AsyncAPI document describes exists once setup has run, before any service has: each service's
/// <c>migrate</c> (the code path of <c>&lt;service&gt;.dll migrate</c>, as up.sh runs it), under a broker user holding
/// exactly the permissions <c>deploy/local/lib.sh</c> gives that service, on a fresh vhost; then the management API
/// is asked for every contract exchange, every consumer queue bound to its exchange, and every <c>_error</c> queue.
/// </summary>
public sealed class TopologyAtSetupTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    private static readonly (string Name, Action<WebApplicationBuilder> Add)[] Services =
    [
        (IntakeService.Name, b => b.AddIntake()),
        (NotificationService.Name, b => b.AddNotification()),
        (EscalationService.Name, b => b.AddEscalation()),
        (AuditService.Name, b => b.AddAudit()),
    ];

    [Fact]
    public async Task Migrate_declares_every_contract_exchange_consumer_queue_and_error_queue_before_any_service_runs()
    {
        using var management = fixture.Servers.ManagementClient();
        var vhost = Uri.EscapeDataString(fixture.VirtualHost);
        var accounts = new List<BrokerAccount>();
        try
        {
            foreach (var (name, add) in Services)
            {
                var account = await BrokerAccount.CreateAsync(fixture, $"{fixture.VirtualHost}-{name}", "bus_permission_patterns", name);
                accounts.Add(account);
                await MigrateAsync(name, add, account.Address);
            }

            var exchanges = await NamesAsync(management, $"exchanges/{vhost}");
            var queues = await management.GetFromJsonAsync<JsonArray>($"queues/{vhost}") ?? [];
            var bindings = await management.GetFromJsonAsync<JsonArray>($"bindings/{vhost}") ?? [];
            var missing = new List<string>();
            foreach (var (message, route) in BusTopology.Routes)
            {
                var exchange = BusTopology.ExchangeFor(message);
                if (!exchanges.Contains(exchange))
                {
                    missing.Add($"exchange {exchange}");
                }

                foreach (var service in route.Consumers)
                {
                    var queue = BusTopology.QueueFor(service, message);
                    // MassTransit: the message's exchange is bound to an exchange named like the queue, bound to the queue.
                    if (!bindings.Any(b => Is(b, exchange, queue, "exchange")) || !bindings.Any(b => Is(b, queue, queue, "queue")))
                    {
                        missing.Add($"binding {exchange} -> {queue}");
                    }

                    foreach (var expected in new[] { queue, BusTopology.ErrorQueueFor(queue) })
                    {
                        if (!queues.Any(q => (string?)q!["name"] == expected))
                        {
                            missing.Add($"queue {expected}");
                        }
                    }
                }
            }

            Assert.True(missing.Count == 0, "Missing after migrate: " + string.Join(", ", missing));
            // Nothing consumes yet: the topology was deployed, no service was started.
            Assert.All(queues, q => Assert.Equal(0, (int?)q!["consumers"] ?? 0));
        }
        finally
        {
            foreach (var account in accounts)
            {
                await account.DisposeAsync();
            }
        }
    }

    private static bool Is(JsonNode? binding, string source, string destination, string kind) =>
        (string?)binding!["source"] == source && (string?)binding["destination"] == destination && (string?)binding["destination_type"] == kind;

    private static async Task<HashSet<string>> NamesAsync(HttpClient management, string path) =>
        [.. (await management.GetFromJsonAsync<JsonArray>(path) ?? []).Select(e => (string)e!["name"]!)];

    /// <summary>What the service's Program.cs does when given <c>migrate</c>, with this fixture's database and vhost.</summary>
    private async Task MigrateAsync(string name, Action<WebApplicationBuilder> add, Uri bus)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(fixture.SettingsFor(name));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Bus"] = bus.ToString() });
        builder.AddServiceDefaults(name);
        add(builder);
        await using var app = builder.Build();
        await app.RunServiceAsync(["migrate"]);
    }
}
