using AuditPlatform.Intake.Breaches.Reading;
using AuditPlatform.Intake.Breaches.Reporting;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.Intake.Disclosures.Reading;
using AuditPlatform.Intake.Disclosures.Recording;
using AuditPlatform.Intake.Intelligence.Assessing;
using AuditPlatform.Intake.Intelligence.Deadlines;
using AuditPlatform.Intake.Intelligence.Reading;
using AuditPlatform.Intake.Ledger;
using AuditPlatform.Intake.Partners;
using AuditPlatform.Intake.Partners.Registering;
using AuditPlatform.Intake.Partners.Sharing;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.Intake;

/// <summary>The Intake service's composition; also the anchor type tests host it by.</summary>
public static class IntakeService
{
    public const string Name = "intake";

    public static WebApplicationBuilder AddIntake(this WebApplicationBuilder builder)
    {
        builder.AddLedger(IntakeLedger.Table);
        builder.Services.AddSingleton<ILedgerMigration, FingerprintOwnerBackfill>();
        builder.Services.AddSingleton<ILedgerMigration, PartnerSecretRemoval>();
        builder.AddBus(Name, bus =>
        {
            bus.AddConsumer<RecordDisclosureConsumer>();
            bus.AddConsumer<ReportBreachConsumer>();
            bus.AddConsumer<SuspendSharingConsumer>();
            bus.AddConsumer<RestoreSharingConsumer>();
        });
        builder.Services.AddSingleton(_ => Fingerprints.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton(ReportDeadline.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<PartnerQueueDeclaration>();
        builder.Services.AddCommandPath(typeof(IntakeService).Assembly);
        builder.Services.AddSingleton<HandlingDeadlineWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HandlingDeadlineWatch>());
        return builder;
    }

    public static WebApplication MapIntake(this WebApplication app)
    {
        app.MapRegisterPartner();
        app.MapGetPartner();
        app.MapRecordDisclosure();
        app.MapGetDisclosure();
        app.MapReportBreach();
        app.MapGetBreach();
        app.MapIntelligence();
        return app;
    }
}

/// <summary>Marks the Intake assembly, so hosts and tests can start the service by type.</summary>
public sealed class IntakeApp;
