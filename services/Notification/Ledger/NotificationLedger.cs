using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Partners;
using AuditPlatform.Notification.Partners.WebhookSecrets;
using AuditPlatform.Notification.Responses;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Ledger;

/// <summary>Notification's part of the ledger: its stored event names, read models, and how its events reach the bus.</summary>
public sealed class NotificationLedger : ILedgerEventMapper
{
    public static void Describe(LedgerOptions ledger) => ledger
        .Event<NoticeCreated>("notice_created")
        .Event<NoticeDeliveryFailed>("notice_delivery_failed")
        .Event<PartnerNotified>("partner_notified")
        .Event<NoticeAcknowledged>("notice_acknowledged")
        .Event<DiplomaticResponseRecorded>("diplomatic_response_recorded")
        .Store(options =>
        {
            options.Projections.Add(new NoticeProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new DiplomaticResponseProjection(), ProjectionLifecycle.Inline);
            options.Schema.For<Notice>().Index(n => n.Partner).Index(n => n.Status).Index(n => n.NextAttemptAt).Index(n => n.CreatedAt);
            options.Schema.For<DiplomaticResponse>();
            options.Schema.For<PartnerChannel>();
            options.Schema.For<WebhookSecret>();
            options.Schema.For<ProcessedMessage>();
        });

    public IReadOnlyCollection<Type> ForwardedTypes { get; } = [typeof(PartnerNotified), typeof(NoticeAcknowledged), typeof(DiplomaticResponseRecorded)];

    public IReadOnlyCollection<Type> PublishedMessages { get; } =
        [typeof(Contract.PartnerNotified), typeof(Contract.NoticeAcknowledged), typeof(Contract.DiplomaticResponseRecorded)];

    public ValueTask<object?> ToMessageAsync(IEvent committed, IQuerySession session, CancellationToken cancellationToken) => ValueTask.FromResult<object?>(committed.Data switch
    {
        PartnerNotified e => new Contract.PartnerNotified
        {
            NoticeId = e.NoticeId,
            Partner = e.Partner,
            Kind = e.Kind,
            DisclosureId = e.DisclosureId,
            BreachId = e.BreachId,
            Channel = e.Channel,
            Fingerprint = e.Fingerprint,
            OccurredAt = e.OccurredAt,
        },
        NoticeAcknowledged e => new Contract.NoticeAcknowledged { NoticeId = e.NoticeId, Partner = e.Partner, By = e.By, OccurredAt = e.OccurredAt },
        DiplomaticResponseRecorded e => new Contract.DiplomaticResponseRecorded
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
        },
        _ => null,
    });
}
