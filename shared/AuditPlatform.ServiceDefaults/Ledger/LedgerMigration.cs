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
    /// <see cref="ILedgerMigration"/>) and exits; run it as the schema owner. Otherwise the service runs.
    /// In production the services run with <c>Ledger:ApplySchemaOnStartup=false</c> under roles that cannot
    /// change the schema, so migrations never happen at service start.
    /// </summary>
    public static async Task RunServiceAsync(this WebApplication app, string[] args)
    {
        if (args.Contains("migrate", StringComparer.Ordinal))
        {
            var store = app.Services.GetRequiredService<IDocumentStore>();
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(JasperFx.AutoCreate.CreateOrUpdate);
            foreach (var migration in app.Services.GetServices<ILedgerMigration>())
            {
                await migration.ApplyAsync(store, CancellationToken.None);
            }

            return;
        }

        await app.RunAsync();
    }
}
