using AuditPlatform.Escalation.Cases.Acknowledging;
using AuditPlatform.Escalation.Cases.Assigning;
using AuditPlatform.Escalation.Cases.Escalating;
using AuditPlatform.Escalation.Cases.Noting;
using AuditPlatform.Escalation.Cases.Opening;
using AuditPlatform.Escalation.Cases.Raising;
using AuditPlatform.Escalation.Cases.Reading;
using AuditPlatform.Escalation.Cases.Resolving;
using AuditPlatform.Escalation.Cases.Responding;
using AuditPlatform.Escalation.Dashboard;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Partners;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace AuditPlatform.Escalation;

/// <summary>The Escalation service's composition.</summary>
public static class EscalationService
{
    public const string Name = "escalation";

    public const string StreamPath = "/escalations/stream";

    public static WebApplicationBuilder AddEscalation(this WebApplicationBuilder builder)
    {
        // Loaded now, not on first use: an invalid policy stops the service at start with the field named.
        var policy = EscalationPolicy.Load(EscalationPolicy.Locate(builder.Configuration["ESCALATION_POLICY"]));
        builder.Services.AddSingleton(policy);
        builder.AddLedger(EscalationLedger.Table);
        builder.AddBus(Name, bus =>
        {
            bus.AddConsumer<BreachReportedConsumer>();
            bus.AddConsumer<HandlingDeadlineMissedConsumer>();
            bus.AddConsumer<DiplomaticResponseRecordedConsumer>();
            bus.AddConsumer<SharingSuspendedConsumer>();
            bus.AddConsumer<SharingRestoredConsumer>();
            bus.AddConsumer<PartnerRegisteredConsumer>();
        });
        builder.Services.AddSingleton<CaseFeed>();
        builder.Services.AddHostedService<CaseFeedListener>();
        builder.Services.AddCommandPath(typeof(EscalationService).Assembly);
        builder.Services.AddSingleton<DeadlineSweep>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadlineSweep>());
        builder.Services.AddSingleton<OpenCasesByLevel>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OpenCasesByLevel>());
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, AcceptStreamTokenFromQuery);
        return builder;
    }

    public static WebApplication MapEscalation(this WebApplication app)
    {
        app.MapDashboard();
        var cases = app.MapGroup("/escalations").WithTags("Escalations");
        cases.MapCaseQueries();
        cases.MapAcknowledgeCase();
        cases.MapAssignCase();
        cases.MapEscalateCase();
        cases.MapResolveCase();
        cases.MapNoteCase();
        app.MapPartners();
        return app;
    }

    // EventSource cannot set headers, so the live stream alone takes its token as ?access_token=.
    private static void AcceptStreamTokenFromQuery(JwtBearerOptions options)
    {
        options.Events ??= new JwtBearerEvents();
        var previous = options.Events.OnMessageReceived;
        options.Events.OnMessageReceived = async context =>
        {
            await previous(context);
            if (context.Token is null && context.Request.Path.Equals(StreamPath, StringComparison.Ordinal)
                && context.Request.Query["access_token"] is [{ Length: > 0 } token])
            {
                context.Token = token;
            }
        };
    }
}

/// <summary>Marks the Escalation assembly, so hosts and tests can start the service by type.</summary>
public sealed class EscalationApp;
