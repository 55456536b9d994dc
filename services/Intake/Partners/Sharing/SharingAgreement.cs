using AuditPlatform.Contracts;
using AuditPlatform.Intake.Ledger;
using SharingRestored = AuditPlatform.Intake.Ledger.SharingRestored;
using SharingSuspended = AuditPlatform.Intake.Ledger.SharingSuspended;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using MassTransit;

namespace AuditPlatform.Intake.Partners.Sharing;

/// <summary>
/// Suspension and restoration of sharing. Intake owns the agreement; Escalation and operators send
/// <see cref="SuspendSharing"/> and <see cref="RestoreSharing"/> over the bus. Suspending a suspended partner
/// (or restoring an active one) records nothing, so redelivery is harmless.
/// </summary>
public abstract class SharingSlice<TCommand> : CommandSlice<TCommand, Partner, PartnerEvent>
    where TCommand : notnull
{
    public override string StreamFor(TCommand command) => Partner.StreamFor(PartnerOf(command));

    public override void Validate(TCommand command, FieldErrors errors)
    {
        var (partner, by, reason) = (PartnerOf(command), ByOf(command), ReasonOf(command));
        errors.PartnerCode("partner", partner);
        errors.Text("by", by, 200);
        errors.Text("reason", reason);
    }

    public override Decision<PartnerEvent> Decide(TCommand command, Partner? state, CommandContext context) =>
        state is null
            ? Decision<PartnerEvent>.Refuse(Refusal.Unusable("unknown-partner", "Unknown partner.", "partner", $"'{PartnerOf(command)}' is not a registered partner."))
            : Change(command, state, context.Now) is { } change ? Decision<PartnerEvent>.Accept(change) : Decision<PartnerEvent>.AlreadyDone;

    public override Partner? Evolve(Partner? state, PartnerEvent change) => PartnerHistory.Evolve(state, change);

    protected abstract string PartnerOf(TCommand command);

    protected abstract string ByOf(TCommand command);

    protected abstract string ReasonOf(TCommand command);

    /// <summary>The event, or null when the agreement is already as the command asks.</summary>
    protected abstract PartnerEvent? Change(TCommand command, Partner partner, DateTimeOffset now);
}

public sealed class SuspendSharingSlice : SharingSlice<SuspendSharing>
{
    protected override string PartnerOf(SuspendSharing command) => command.Partner;

    protected override string ByOf(SuspendSharing command) => command.By;

    protected override string ReasonOf(SuspendSharing command) => command.Reason;

    protected override PartnerEvent? Change(SuspendSharing command, Partner partner, DateTimeOffset now) =>
        partner.IsSuspended ? null : new SharingSuspended(command.Partner, command.By, command.Reason, command.CaseId, command.OccurredAt?.ToUniversalTime() ?? now);
}

public sealed class RestoreSharingSlice : SharingSlice<RestoreSharing>
{
    protected override string PartnerOf(RestoreSharing command) => command.Partner;

    protected override string ByOf(RestoreSharing command) => command.By;

    protected override string ReasonOf(RestoreSharing command) => command.Reason;

    protected override PartnerEvent? Change(RestoreSharing command, Partner partner, DateTimeOffset now) =>
        !partner.IsSuspended ? null : new SharingRestored(command.Partner, command.By, command.Reason, command.CaseId, command.OccurredAt?.ToUniversalTime() ?? now);
}

// Escalation sends these through its ledger forwarder, with no user token; RabbitMQ permissions decide who may publish them.

public sealed class SuspendSharingConsumer(CommandHandler handler, SuspendSharingSlice slice, BusCaller caller) : IConsumer<SuspendSharing>
{
    public async Task Consume(ConsumeContext<SuspendSharing> context)
    {
        await caller.RequireOperatorAsync(context, servicesMaySend: true);
        (await handler.HandleAsync(slice, context.Message, Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
    }
}

public sealed class RestoreSharingConsumer(CommandHandler handler, RestoreSharingSlice slice, BusCaller caller) : IConsumer<RestoreSharing>
{
    public async Task Consume(ConsumeContext<RestoreSharing> context)
    {
        await caller.RequireOperatorAsync(context, servicesMaySend: true);
        (await handler.HandleAsync(slice, context.Message, Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
    }
}
