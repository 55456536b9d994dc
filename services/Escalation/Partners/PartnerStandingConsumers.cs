using AuditPlatform.ServiceDefaults.Messaging;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Partners;

/// <summary>
/// Keeps the dashboard's record of a partner in step with what Intake publishes about it: the record's change and
/// the inbox mark (named after the consumer) commit together, so a redelivered message changes nothing; the record is
/// locked before it is read, because each message type is consumed from its own queue, at the same time.
/// </summary>
public abstract class PartnerStandingConsumer<TMessage>(IDocumentSession session, TimeProvider clock) : IConsumer<TMessage>
    where TMessage : class
{
    public async Task Consume(ConsumeContext<TMessage> context)
    {
        var ct = context.CancellationToken;
        if (!await session.FirstDeliveryAsync(GetType().Name, context.MessageId, clock, ct))
        {
            return;
        }

        var partner = PartnerOf(context.Message);
        await session.LockAsync<PartnerStanding>(partner, ct);
        var standing = await session.LoadAsync<PartnerStanding>(partner, ct) ?? PartnerStanding.New(partner);
        session.Store(Apply(standing, context.Message));
        await session.SaveChangesAsync(ct);
    }

    protected abstract string PartnerOf(TMessage message);

    protected abstract PartnerStanding Apply(PartnerStanding standing, TMessage message);
}

/// <summary>Intake suspended sharing with a partner: the dashboard shows it.</summary>
public sealed class SharingSuspendedConsumer(IDocumentSession session, TimeProvider clock) : PartnerStandingConsumer<Contract.SharingSuspended>(session, clock)
{
    protected override string PartnerOf(Contract.SharingSuspended message) => message.Partner;

    protected override PartnerStanding Apply(PartnerStanding standing, Contract.SharingSuspended message) =>
        standing with { Sharing = PartnerStanding.Suspended, SuspendedAt = message.OccurredAt, SuspensionReason = message.Reason };
}

/// <summary>Intake restored sharing with a partner: the dashboard shows it.</summary>
public sealed class SharingRestoredConsumer(IDocumentSession session, TimeProvider clock) : PartnerStandingConsumer<Contract.SharingRestored>(session, clock)
{
    protected override string PartnerOf(Contract.SharingRestored message) => message.Partner;

    protected override PartnerStanding Apply(PartnerStanding standing, Contract.SharingRestored message) =>
        standing with { Sharing = PartnerStanding.Active, SuspendedAt = null, SuspensionReason = null };
}

/// <summary>A partner registered (or changed) with Intake: the dashboard shows its name.</summary>
public sealed class PartnerRegisteredConsumer(IDocumentSession session, TimeProvider clock) : PartnerStandingConsumer<Contract.PartnerRegistered>(session, clock)
{
    protected override string PartnerOf(Contract.PartnerRegistered message) => message.Code;

    protected override PartnerStanding Apply(PartnerStanding standing, Contract.PartnerRegistered message) =>
        standing with { Name = message.Name, Country = message.Country };
}
