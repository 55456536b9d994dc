using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices.Delivery;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Messaging;
using MassTransit;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>
/// Opens the notices one consumed event calls for: each through its slice, all of them and the consumer's inbox mark
/// in one transaction (one message, one commit), so a redelivered event is dropped and a half-planned one never stays.
/// </summary>
public sealed class PlannedNotices(DeliveryDoorbell doorbell, NotificationMetrics metrics, TimeProvider clock)
{
    public async Task OpenAsync<TCommand, TFacts>(
        CommandHandler handler, CommandSlice<TCommand, Notice, NoticeEvent, TFacts> slice, string consumer, ConsumeContext context, string kind, IEnumerable<TCommand> commands)
        where TCommand : notnull
    {
        var ct = context.CancellationToken;
        if (!await handler.Session.FirstDeliveryAsync(consumer, context.MessageId, clock, ct))
        {
            return;
        }

        var planned = commands.ToList();
        await handler.ReadAheadAsync<Notice>(planned.Select(slice.StreamFor), ct);
        var decisions = new List<Decision<NoticeEvent>>(planned.Count);
        foreach (var command in planned)
        {
            decisions.Add((await handler.StageAsync(slice, command, Transports.Bus, ct)).Decision);
        }

        await handler.Session.SaveChangesAsync(ct);
        foreach (var decision in decisions)
        {
            handler.Count(slice.Name, Transports.Bus, decision);
        }

        var opened = decisions.Count(d => d.Verdict == Verdict.Accepted);
        metrics.Planned(kind, opened);
        if (opened > 0)
        {
            // After the commit: new notices are delivered now, not at the worker's next sweep.
            doorbell.Ring();
        }
    }
}
