using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices.Delivery;
using AuditPlatform.Notification.Partners;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Policy;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>Opens planned notices that do not exist yet, in the caller's session.</summary>
public static class NoticeBook
{
    public static async Task<int> OpenAsync(IDocumentSession session, IEnumerable<NoticeCreated> planned, CancellationToken cancellationToken)
    {
        var opened = 0;
        foreach (var notice in planned)
        {
            var stream = await session.Events.FetchForWriting<Notice>(Notice.StreamFor(notice.NoticeId), cancellationToken);
            if (stream.Aggregate is null)
            {
                stream.AppendOne(notice);
                opened++;
            }
        }

        return opened;
    }

    /// <summary>After the commit: new notices are delivered now, not at the worker's next sweep.</summary>
    public static void RingIfOpened(DeliveryDoorbell doorbell, int opened)
    {
        if (opened > 0)
        {
            doorbell.Ring();
        }
    }
}

/// <summary>A new disclosure: a handling notice for each recipient.</summary>
public sealed class DisclosureRecordedConsumer(IDocumentSession session, DeliveryDoorbell doorbell, NotificationMetrics metrics, TimeProvider clock) : IConsumer<Contract.DisclosureRecorded>
{
    public async Task Consume(ConsumeContext<Contract.DisclosureRecorded> context)
    {
        var ct = context.CancellationToken;
        if (!await session.FirstDeliveryAsync(nameof(DisclosureRecordedConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var disclosure = context.Message;
        var partners = (await session.LoadManyAsync<PartnerChannel>(ct, disclosure.Recipients.Select(r => r.Partner)))
            .Where(p => p is not null).ToDictionary(p => p.Id);
        var planned = NoticePlanning.ForDisclosure(disclosure, partners, LedgerSequence.Of(context), clock.GetUtcNow());
        var opened = await NoticeBook.OpenAsync(session, planned, ct);
        await session.SaveChangesAsync(ct);
        metrics.Planned(Contract.NoticeKinds.Handling, opened);
        NoticeBook.RingIfOpened(doorbell, opened);
    }
}

/// <summary>A reported breach: a breach notice to the attributed partner, or to each partner that held the item.</summary>
public sealed class BreachReportedConsumer(IDocumentSession session, DeliveryDoorbell doorbell, NotificationMetrics metrics, TimeProvider clock, EscalationPolicy policy) : IConsumer<Contract.BreachReported>
{
    public async Task Consume(ConsumeContext<Contract.BreachReported> context)
    {
        var ct = context.CancellationToken;
        if (!await session.FirstDeliveryAsync(nameof(BreachReportedConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var planned = NoticePlanning.ForBreach(context.Message, policy, clock.GetUtcNow());
        var opened = await NoticeBook.OpenAsync(session, planned, ct);
        await session.SaveChangesAsync(ct);
        metrics.Planned(Contract.NoticeKinds.Breach, opened);
        NoticeBook.RingIfOpened(doorbell, opened);
    }
}
