using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices.Delivery;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Messaging;
using MassTransit;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>
/// Opens the notices one consumed event calls for: each through its slice, all of them and the consumer's inbox mark
/// in one transaction, so a redelivered event is dropped and a half-planned one never stays. The transaction is the
/// notice streams' group commit: events consumed at the same time share one commit, and the message is acknowledged
/// only after its own notices committed.
/// </summary>
public sealed class PlannedNotices(GroupCommit<Notice> notices, DeliveryDoorbell doorbell, NotificationMetrics metrics, TimeProvider clock)
{
    public async Task OpenAsync<TCommand, TFacts>(
        CommandSlice<TCommand, Notice, NoticeEvent, TFacts> slice, string consumer, ConsumeContext context, string kind, IEnumerable<TCommand> commands)
        where TCommand : notnull
    {
        var planned = commands.ToList();
        var opened = 0;
        await notices.SubmitAsync([.. planned.Select(slice.StreamFor).Distinct(StringComparer.Ordinal)], async (handler, ct) =>
        {
            if (!await handler.Session.FirstDeliveryAsync(consumer, context.MessageId, clock, ct))
            {
                return () => opened = 0;
            }

            var decisions = new List<Decision<NoticeEvent>>(planned.Count);
            foreach (var command in planned)
            {
                decisions.Add((await handler.StageAsync(slice, command, Transports.Bus, ct)).Decision);
            }

            return () =>
            {
                foreach (var decision in decisions)
                {
                    handler.Count(slice.Name, Transports.Bus, decision);
                }

                opened = decisions.Count(d => d.Verdict == Verdict.Accepted);
            };
        });

        metrics.Planned(kind, opened);
        if (opened > 0)
        {
            // After the commit: new notices are delivered now, not at the worker's next sweep.
            doorbell.Ring();
        }
    }
}
