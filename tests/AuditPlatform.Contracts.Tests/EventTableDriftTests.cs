using System.Text;
using AuditPlatform.Contracts.Tests.AsyncApi;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.Testing;
using MassTransit;

namespace AuditPlatform.Contracts.Tests;

/// <summary>
/// Each service declares its events once, in its event table; everything else about the bus is derived from the
/// tables or checked against them here: the broker permissions the setup scripts grant, the consumers the services
/// register, and the routes the AsyncAPI document is generated from.
/// </summary>
public sealed class EventTableDriftTests
{
    private const string PermissionsFile = "deploy/bus-permissions.txt";

    private static readonly (EventTable Table, System.Reflection.Assembly Assembly)[] Services =
    [
        (Intake.Ledger.IntakeLedger.Table, typeof(Intake.Ledger.IntakeLedger).Assembly),
        (Notification.Ledger.NotificationLedger.Table, typeof(Notification.Ledger.NotificationLedger).Assembly),
        (Escalation.Ledger.EscalationLedger.Table, typeof(Escalation.Ledger.EscalationLedger).Assembly),
        (Audit.AuditLedger.Table, typeof(Audit.AuditLedger).Assembly),
    ];

    /// <summary>What deploy/bus-permissions.txt must say: one line per service, direction and message.</summary>
    public static string RenderPermissions()
    {
        var text = new StringBuilder()
            .Append("# Generated from the services' event tables (EventTable); EventTableDriftTests fails when it drifts.\n")
            .Append("# Regenerate: UPDATE_BUS_PERMISSIONS=1 dotnet test tests/AuditPlatform.Contracts.Tests --filter EventTableDriftTests\n")
            .Append("# <service> consumes|publishes <contract message>: deploy/local/lib.sh grants read on the first, write on the second.\n");
        foreach (var (table, _) in Services)
        {
            foreach (var message in table.ConsumedMessages)
            {
                text.Append(table.Service).Append(" consumes ").Append(message.Name).Append('\n');
            }

            foreach (var message in table.PublishedMessages)
            {
                text.Append(table.Service).Append(" publishes ").Append(message.Name).Append('\n');
            }
        }

        return text.ToString();
    }

    [Fact]
    public void The_broker_permissions_the_setup_grants_are_the_event_tables()
    {
        var path = Path.Combine(RepositoryRoot(), PermissionsFile);
        if (Environment.GetEnvironmentVariable("UPDATE_BUS_PERMISSIONS") == "1")
        {
            File.WriteAllText(path, RenderPermissions());
        }

        Assert.Equal(RenderPermissions(), File.ReadAllText(path).ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_service_consumes_exactly_what_its_table_says()
    {
        foreach (var (table, assembly) in Services)
        {
            var consumed = assembly.GetTypes()
                .Where(t => t is { IsClass: true, IsAbstract: false })
                .SelectMany(t => t.GetInterfaces())
                .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IConsumer<>))
                .Select(i => i.GetGenericArguments()[0])
                .Where(m => m.Namespace == typeof(RecordDisclosure).Namespace)
                .Distinct();
            Assert.Equal(table.ConsumedMessages.Select(t => t.Name).Order(), consumed.Select(t => t.Name).Order());
        }
    }

    [Fact]
    public void The_asyncapi_routes_name_the_services_the_tables_name()
    {
        var services = Services.Select(s => s.Table.Service).ToHashSet(StringComparer.Ordinal);
        foreach (var (message, route) in BusTopology.Routes)
        {
            var publishers = Services.Where(s => s.Table.PublishedMessages.Any(m => m.Name == message)).Select(s => s.Table.Service).Order();
            var consumers = Services.Where(s => s.Table.ConsumedMessages.Any(m => m.Name == message)).Select(s => s.Table.Service).Order();
            Assert.True(publishers.SequenceEqual(route.Senders.Where(services.Contains).Order()), $"{message}: the tables say {string.Join(", ", publishers)} publish it.");
            Assert.True(consumers.SequenceEqual(route.Consumers.Order()), $"{message}: the tables say {string.Join(", ", consumers)} consume it.");
        }
    }

    [Fact]
    public void Every_stored_event_has_one_name_across_the_ledger_and_every_contract_event_one_publisher()
    {
        var rows = Services.SelectMany(s => s.Table.Rows).ToList();
        Assert.Equal(rows.Count, rows.Select(r => r.StoredName).Distinct(StringComparer.Ordinal).Count());
        var forwarded = rows.Where(r => r.MessageType is not null).GroupBy(r => r.MessageType!).Where(g => g.Count() > 1).Select(g => g.Key.Name);
        Assert.Empty(forwarded);
    }

    private static string RepositoryRoot() => Path.GetDirectoryName(PlatformFixture.RepositoryFile("AuditPlatform.sln"))!;
}
