using AuditPlatform.Escalation.Cases.Deciding;
using AuditPlatform.Escalation.Partners;
using AuditPlatform.ServiceDefaults.Messaging;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Cases.Inputs;

/// <summary>A reported breach opens its case, above the policy's level when it breaks an assurance in force.</summary>
public sealed class BreachReportedConsumer(CaseDesk desk, TimeProvider clock) : IConsumer<Contract.BreachReported>
{
    public async Task Consume(ConsumeContext<Contract.BreachReported> context)
    {
        var ct = context.CancellationToken;
        if (!await desk.Session.FirstDeliveryAsync(nameof(BreachReportedConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var breach = context.Message;
        string[] partners = breach.AttributedPartner is { } attributed ? [attributed] : [.. breach.ExposureSet];
        var assurances = await desk.Session.Query<Assurance>().Where(a => partners.Contains(a.Partner)).ToListAsync(ct);
        await desk.ActAsync(new OpenBreachCase(
            EscalationCase.ForBreach(breach.BreachId),
            breach.BreachId,
            partners,
            breach.Severity,
            breach.Classification,
            breach.Caveats,
            breach.ObservedAt,
            $"{breach.Severity} leak at {breach.Outlet}: {breach.Description}",
            [.. assurances.Select(a => new AssuranceInForce(a.Id, a.Partner, a.AcceptedAtLevel, a.ValidUntil, a.Scope))]), ct);
    }
}

/// <summary>Intelligence not written up in time opens a handling-delay case.</summary>
public sealed class HandlingDeadlineMissedConsumer(CaseDesk desk, TimeProvider clock) : IConsumer<Contract.HandlingDeadlineMissed>
{
    public async Task Consume(ConsumeContext<Contract.HandlingDeadlineMissed> context)
    {
        var ct = context.CancellationToken;
        if (!await desk.Session.FirstDeliveryAsync(nameof(HandlingDeadlineMissedConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var missed = context.Message;
        await desk.ActAsync(new OpenHandlingDelayCase(EscalationCase.ForItem(missed.ItemId), missed.ItemId, missed.Source, missed.Deadline), ct);
    }
}

/// <summary>
/// A partner's response reaches the case it names, else the case of the breach it names, else every case
/// of that partner still in the queues.
/// </summary>
public sealed class DiplomaticResponseRecordedConsumer(CaseDesk desk, TimeProvider clock) : IConsumer<Contract.DiplomaticResponseRecorded>
{
    public async Task Consume(ConsumeContext<Contract.DiplomaticResponseRecorded> context)
    {
        var ct = context.CancellationToken;
        if (!await desk.Session.FirstDeliveryAsync(nameof(DiplomaticResponseRecordedConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        var response = context.Message;
        // Every case the response reaches, and the inbox mark, commit in one transaction: a failure on any case
        // leaves all of them untouched and the message unhandled, so its redelivery reaches each case once.
        foreach (var caseId in await CasesAnsweredAsync(response, ct))
        {
            await desk.StageAsync(new RecordResponse(caseId, response.ResponseId, response.Partner, response.Kind, response.Statement, response.Respondent,
                response.ValidUntil, response.Scope, response.OccurredAt), ct);
        }

        await desk.Session.SaveChangesAsync(ct);
    }

    private async Task<IReadOnlyList<Guid>> CasesAnsweredAsync(Contract.DiplomaticResponseRecorded response, CancellationToken ct)
    {
        if (response.CaseId is { } caseId)
        {
            return [caseId];
        }

        if (response.BreachId is { } breachId)
        {
            return [EscalationCase.ForBreach(breachId)];
        }

        var open = await desk.Session.Query<EscalationCase>().Where(c => c.Status != EscalationCase.Resolved).ToListAsync(ct);
        return [.. open.Where(c => c.Partners.Contains(response.Partner, StringComparer.Ordinal)).Select(c => c.CaseId)];
    }
}

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
