using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Cases.Opening;

/// <summary>Intelligence not written up by its deadline opens a handling-delay case.</summary>
public sealed record OpenHandlingDelayCase(Guid CaseId, Guid ItemId, string Source, DateTimeOffset Deadline) : CaseCommand(CaseId)
{
    public static OpenHandlingDelayCase Of(Contract.HandlingDeadlineMissed missed) =>
        new(EscalationCase.ForItem(missed.ItemId), missed.ItemId, missed.Source, missed.Deadline);
}

/// <summary>Opens the case at the first level, once; the first level's actions run.</summary>
public sealed class OpenHandlingDelayCaseSlice(EscalationPolicy policy) : CaseSlice<OpenHandlingDelayCase>
{
    public override Decision<CaseEvent> Decide(OpenHandlingDelayCase command, EscalationCase? state, CommandContext context)
    {
        if (state is not null)
        {
            return Decision<CaseEvent>.AlreadyDone;
        }

        var level = policy.Levels[0];
        var now = context.Now;
        List<CaseEvent> events =
        [
            new CaseOpened(command.CaseId, CaseKinds.HandlingDelay, null, command.ItemId, [], level.Level, level.Name, now + level.RespondWithin,
                null, $"Intelligence from {command.Source} not written up by {command.Deadline:u}", false, null, now),
        ];
        events.AddRange(CaseLadder.OnOpen(command.CaseId, [], policy, level, now));
        return Decision<CaseEvent>.Accept(events);
    }
}

/// <summary>A missed handling deadline opens its case; the inbox mark commits with it.</summary>
public sealed class HandlingDeadlineMissedConsumer(CommandHandler handler, OpenHandlingDelayCaseSlice slice, TimeProvider clock) : IConsumer<Contract.HandlingDeadlineMissed>
{
    public async Task Consume(ConsumeContext<Contract.HandlingDeadlineMissed> context)
    {
        if (await handler.Session.FirstDeliveryAsync(nameof(HandlingDeadlineMissedConsumer), context.MessageId, clock, context.CancellationToken))
        {
            (await handler.HandleAsync(slice, OpenHandlingDelayCase.Of(context.Message), Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
        }
    }
}
