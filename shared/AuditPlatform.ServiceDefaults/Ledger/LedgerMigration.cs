using AuditPlatform.ServiceDefaults.Messaging;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>Extra schema a service needs beyond what Marten derives (indexes on the shared ledger, say).</summary>
public interface ILedgerMigration
{
    Task ApplyAsync(IDocumentStore store, CancellationToken cancellationToken);
}

public static class LedgerMigrationExtensions
{
    /// <summary>
    /// <c>&lt;service&gt; migrate</c> applies this service's schema (Marten's objects and any
    /// <see cref="ILedgerMigration"/>) and declares its bus topology (<see cref="BusSetup.DeployTopologyAsync"/>), then
    /// exits; run it as the schema owner, with the service's own broker user. Otherwise the service runs.
    /// In production the services run with <c>Ledger:ApplySchemaOnStartup=false</c> under roles that cannot
    /// change the schema, so migrations never happen at service start.
    /// </summary>
    public static async Task RunServiceAsync(this WebApplication app, string[] args)
    {
        if (args.Contains("migrate", StringComparer.Ordinal))
        {
            await MigrateAsync(app.Services, CancellationToken.None);
            return;
        }

        await app.RunAsync();
    }

    /// <summary>What <c>migrate</c> does: the bus topology, then the schema, without starting the service.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        // First: resolving the store may build the ledger forwarder, and with it the bus, which must know it only deploys.
        await BusSetup.DeployTopologyAsync(services, cancellationToken);
        var store = services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(JasperFx.AutoCreate.CreateOrUpdate);
        foreach (var migration in services.GetServices<ILedgerMigration>())
        {
            await migration.ApplyAsync(store, cancellationToken);
        }
    }
}
