using AuditPlatform.Audit.Access;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.Audit.Page;
using AuditPlatform.Audit.Witnesses;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Audit;

/// <summary>The Audit service's composition; also the anchor type tests host it by.</summary>
public static class AuditService
{
    public const string Name = "audit";

    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.AddLedger(AuditLedger.Table, StatementPlans.PerCall);
        builder.Services.AddLedgerRead(builder.Configuration);
        builder.AddBus(Name, _ => { });
        builder.Services.AddSingleton(sp => AuditOptions.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<AuditSchema>();
        builder.Services.AddSingleton<ILedgerMigration>(sp => sp.GetRequiredService<AuditSchema>());
        builder.Services.AddSingleton<LedgerRows>();
        builder.Services.AddSingleton<ChainFollower>();
        builder.Services.AddSingleton<WitnessRounds>();
        builder.Services.AddHttpClient(HttpWitnessTransport.ClientName, (sp, client) => client.Timeout = sp.GetRequiredService<AuditOptions>().WitnessTimeout);
        builder.Services.AddSingleton<HttpWitnessTransport>();
        builder.Services.AddSingleton<BusWitnessTransport>();
        builder.Services.AddSingleton<IWitnessTransport, WitnessTransports>();
        builder.Services.AddHealthChecks().AddCheck<WitnessHealthCheck>("witnesses", tags: [HealthSetup.ReadyTag]);
        if (builder.Configuration.GetValue("Ledger:ApplySchemaOnStartup", true))
        {
            builder.Services.AddHostedService<SchemaOnStartup>();
        }

        if (!Environment.GetCommandLineArgs().Contains("migrate", StringComparer.Ordinal))
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ChainFollower>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<WitnessRounds>());
        }

        return builder;
    }

    public static WebApplication MapAudit(this WebApplication app)
    {
        app.UseAccessLog();
        app.MapCompliancePage();
        app.MapAuditEndpoints();
        return app;
    }
}

/// <summary>Applies Audit's schema before the chain follower starts, when the service may change the schema (tests, development).</summary>
internal sealed class SchemaOnStartup(AuditSchema schema) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => schema.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Audit's part of the ledger: signed checkpoints reach the bus as <c>CheckpointSigned</c>; witnesses' answers are kept on the checkpoint's stream.</summary>
public static class AuditLedger
{
    public static EventTable Table { get; } = new EventTable(AuditService.Name)
        .Forwarded<CheckpointSigned, Contract.CheckpointSigned>("checkpoint_signed", e => new()
        {
            Sequence = e.Sequence,
            Root = e.Root,
            SignedAt = e.SignedAt,
            Signature = e.Signature,
            PublicKey = e.PublicKey,
            Note = e.Note,
            VerifierKey = e.VerifierKey,
        })
        .Stored<CheckpointCosigned>("checkpoint_cosigned")
        .Stored<WitnessRefused>("witness_refused");
}

/// <summary>Marks the Audit assembly, so hosts and tests can start the service by type.</summary>
public sealed class AuditApp;
