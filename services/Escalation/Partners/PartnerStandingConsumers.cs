using AuditPlatform.ServiceDefaults.Messaging;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Partners;

/// <summary>Intake suspended sharing with a partner: the dashboard shows it.</summary>
public sealed class SharingSuspendedConsumer(IDocumentSession session, TimeProvider clock) : IConsumer<Contract.SharingSuspended>
{
    public async Task Consume(ConsumeContext<Contract.SharingSuspended> context)
    {
        var ct = context.CancellationToken;
        if (!await session.FirstDeliveryAsync(nameof(SharingSuspendedConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var e = context.Message;
        var standing = await session.LoadAsync<PartnerStanding>(e.Partner, ct) ?? PartnerStanding.New(e.Partner);
        session.Store(standing with { Sharing = PartnerStanding.Suspended, SuspendedAt = e.OccurredAt, SuspensionReason = e.Reason });
        await session.SaveChangesAsync(ct);
    }
}

/// <summary>Intake restored sharing with a partner: the dashboard shows it.</summary>
public sealed class SharingRestoredConsumer(IDocumentSession session, TimeProvider clock) : IConsumer<Contract.SharingRestored>
{
    public async Task Consume(ConsumeContext<Contract.SharingRestored> context)
    {
        var ct = context.CancellationToken;
        if (!await session.FirstDeliveryAsync(nameof(SharingRestoredConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var e = context.Message;
        var standing = await session.LoadAsync<PartnerStanding>(e.Partner, ct) ?? PartnerStanding.New(e.Partner);
        session.Store(standing with { Sharing = PartnerStanding.Active, SuspendedAt = null, SuspensionReason = null });
        await session.SaveChangesAsync(ct);
    }
}

/// <summary>A partner registered (or changed) with Intake: the dashboard shows its name.</summary>
public sealed class PartnerRegisteredConsumer(IDocumentSession session, TimeProvider clock) : IConsumer<Contract.PartnerRegistered>
{
    public async Task Consume(ConsumeContext<Contract.PartnerRegistered> context)
    {
        var ct = context.CancellationToken;
        if (!await session.FirstDeliveryAsync(nameof(PartnerRegisteredConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var e = context.Message;
        var standing = await session.LoadAsync<PartnerStanding>(e.Code, ct) ?? PartnerStanding.New(e.Code);
        session.Store(standing with { Name = e.Name, Country = e.Country });
        await session.SaveChangesAsync(ct);
    }
}
