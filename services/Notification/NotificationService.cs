using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Notices.Acknowledging;
using AuditPlatform.Notification.Notices.Delivery;
using AuditPlatform.Notification.Notices.Planning;
using AuditPlatform.Notification.Notices.Reading;
using AuditPlatform.Notification.Notices.Refusals;
using AuditPlatform.Notification.Partners;
using AuditPlatform.Notification.Partners.WebhookSecrets;
using AuditPlatform.Notification.Responses;
using AuditPlatform.Notification.Responses.Recording;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;

namespace AuditPlatform.Notification;

/// <summary>The Notification service's composition.</summary>
public static class NotificationService
{
    public const string Name = "notification";

    public static WebApplicationBuilder AddNotification(this WebApplicationBuilder builder)
    {
        builder.AddLedger(NotificationLedger.Table);
        builder.AddBus(Name, bus =>
        {
            bus.AddConsumer<PartnerRegisteredConsumer>();
            bus.AddConsumer<SharingSuspendedConsumer>();
            bus.AddConsumer<SharingRestoredConsumer>();
            bus.AddConsumer<DisclosureRecordedConsumer>();
            bus.AddConsumer<BreachReportedConsumer>();
            bus.AddConsumer<AcknowledgeNoticeConsumer>();
            bus.AddConsumer<RecordPartnerResponseConsumer>();
            bus.AddConsumer<CommandRefusedConsumer>();
        });
        builder.Services.AddSingleton(BreachRespondWithin.FromConfiguration(builder.Configuration));
        builder.Services.AddCommandPath(typeof(NotificationService).Assembly);
        builder.Services.AddSingleton<PlannedNotices>();
        builder.Services.AddSingleton(_ => SecretSeal.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton(_ => SecretRotationOptions.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<ILedgerMigration, PlaintextSecretMigration>();
        builder.AddNoticeDelivery();
        return builder;
    }

    /// <summary>The delivery worker and its channels: the partner queues, and webhooks through a typed client.</summary>
    public static WebApplicationBuilder AddNoticeDelivery(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(DeliveryOptions.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<DeliverySchedule>();
        builder.Services.AddSingleton<DeliveryDoorbell>();
        builder.Services.AddSingleton<GroupCommit<Notice>>();
        builder.Services.AddSingleton<DeliveryRecorder>();
        builder.Services.AddSingleton<NotificationMetrics>();
        builder.Services.AddSingleton<PartnerQueues>();
        // Polly's per-attempt timeout bounds each POST; the client's own timeout would only race it. A redirect is not
        // followed (a signed notice goes only to the registered URL) and so counts as a failed attempt.
        builder.Services.AddHttpClient<WebhookChannel>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                // Hundreds of notices may be in delivery at once: one partner's webhook gets at most this many connections.
                MaxConnectionsPerServer = 128,
            });
        builder.Services.AddScoped<NoticeCourier>();
        builder.Services.AddSingleton<NoticeDelivery>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NoticeDelivery>());
        return builder;
    }

    public static WebApplication MapNotification(this WebApplication app)
    {
        app.MapListNotices();
        app.MapAcknowledgeNotice();
        app.MapRecordResponse();
        app.MapGetResponse();
        app.MapWebhookSecret();
        return app;
    }
}

/// <summary>Marks the Notification assembly, so hosts and tests can start the service by type.</summary>
public sealed class NotificationApp;
