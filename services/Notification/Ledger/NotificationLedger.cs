using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Partners;
using AuditPlatform.Notification.Partners.WebhookSecrets;
using AuditPlatform.Notification.Responses;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using JasperFx.Events.Projections;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Ledger;

/// <summary>Notification's part of the ledger: its stored event names, read models, and how its events reach the bus.</summary>
public static class NotificationLedger
{
    public static EventTable Table { get; } = new EventTable(NotificationService.Name)
        .Stored<NoticeCreated>("notice_created")
        .Stored<NoticeDeliveryFailed>("notice_delivery_failed")
        .Forwarded<PartnerNotified, Contract.PartnerNotified>("partner_notified", e => new()
        {
            NoticeId = e.NoticeId,
            Partner = e.Partner,
            Kind = e.Kind,
            DisclosureId = e.DisclosureId,
            BreachId = e.BreachId,
            Channel = e.Channel,
            Fingerprint = e.Fingerprint,
            OccurredAt = e.OccurredAt,
        })
        .Forwarded<NoticeAcknowledged, Contract.NoticeAcknowledged>("notice_acknowledged", e => new() { NoticeId = e.NoticeId, Partner = e.Partner, By = e.By, OccurredAt = e.OccurredAt })
        .Forwarded<DiplomaticResponseRecorded, Contract.DiplomaticResponseRecorded>("diplomatic_response_recorded", e => new()
        {
            ResponseId = e.ResponseId,
            Partner = e.Partner,
            BreachId = e.BreachId,
            CaseId = e.CaseId,
            Kind = e.Kind,
            Statement = e.Statement,
            Respondent = e.Respondent,
            ValidUntil = e.ValidUntil,
            Scope = e.Scope,
            OccurredAt = e.OccurredAt,
        })
        .Consumes<Contract.PartnerRegistered>()
        .Consumes<Contract.DisclosureRecorded>()
        .Consumes<Contract.BreachReported>()
        .Consumes<Contract.SharingSuspended>()
        .Consumes<Contract.SharingRestored>()
        .Consumes<Contract.AcknowledgeNotice>()
        .Consumes<Contract.RecordPartnerResponse>()
        .Consumes<Contract.CommandRefused>()
        .Sends<Contract.CommandRefused>()
        .Store(options =>
        {
            options.Projections.Add(new NoticeProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new DiplomaticResponseProjection(), ProjectionLifecycle.Inline);
            // The delivery sweep reads the first due pending notices in NextAttemptAt order: one index on (Status,
            // NextAttemptAt) answers it with as many rows as it takes, prepared or not (a backlog of thousands used to
            // be read and sorted whole on every sweep; docs/performance.md). Its first column serves status lookups.
            options.Schema.For<Notice>().Index(n => n.Partner).Index(n => n.CreatedAt)
                .Index([n => n.Status, n => n.NextAttemptAt!], index => index.Name = "mt_doc_notice_idx_due");
            options.Schema.For<DiplomaticResponse>();
            options.Schema.For<PartnerChannel>();
            options.Schema.For<WebhookSecret>();
            options.Schema.For<ProcessedMessage>();
        });
}
