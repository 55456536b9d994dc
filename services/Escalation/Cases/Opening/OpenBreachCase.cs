using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Partners;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Messaging;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Cases.Opening;

/// <summary>A reported breach opens its case about the partners it names.</summary>
public sealed record OpenBreachCase(
    Guid CaseId,
    Guid BreachId,
    IReadOnlyList<string> Partners,
    string Severity,
    string Classification,
    IReadOnlyList<string> Caveats,
    DateTimeOffset ObservedAt,
    string Summary) : CaseCommand(CaseId)
{
    /// <summary>The case of a reported breach: about the attributed partner, or else every partner that held the item.</summary>
    public static OpenBreachCase Of(Contract.BreachReported breach) => new(
        EscalationCase.ForBreach(breach.BreachId),
        breach.BreachId,
        breach.AttributedPartner is { } attributed ? [attributed] : [.. breach.ExposureSet],
        breach.Severity,
        breach.Classification,
        breach.Caveats,
        breach.ObservedAt,
        $"{breach.Severity} leak at {breach.Outlet}: {breach.Description}");
}

/// <summary>An assurance on record, as the decision weighs it against a new breach.</summary>
public sealed record AssuranceInForce(Guid ResponseId, string Partner, int AcceptedAtLevel, DateTimeOffset? ValidUntil, IReadOnlyList<string>? Scope);

/// <summary>The assurances the breach's partners gave, read before deciding.</summary>
public sealed record AssurancesOnRecord(IReadOnlyList<AssuranceInForce> Assurances)
{
    public static AssurancesOnRecord None { get; } = new([]);
}

/// <summary>
/// Opens the case at the policy's level for the breach's severity, or one level above the level at which an assurance
/// the breach breaks was accepted, whichever is higher; the actions of the opening level and of every level below it run. A redelivered breach opens nothing more.
/// </summary>
public sealed class OpenBreachCaseSlice(EscalationPolicy policy) : CaseSlice<OpenBreachCase, AssurancesOnRecord>
{
    public override async Task<AssurancesOnRecord> FactsAsync(OpenBreachCase command, IQuerySession session, CancellationToken cancellationToken)
    {
        var partners = command.Partners.ToArray();
        var assurances = await session.Query<Assurance>().Where(a => partners.Contains(a.Partner)).ToListAsync(cancellationToken);
        return new([.. assurances.Select(a => new AssuranceInForce(a.Id, a.Partner, a.AcceptedAtLevel, a.ValidUntil, a.Scope))]);
    }

    public override Decision<CaseEvent> Decide(OpenBreachCase command, EscalationCase? state, AssurancesOnRecord facts, CommandContext context)
    {
        if (state is not null)
        {
            return Decision<CaseEvent>.AlreadyDone;
        }

        var start = policy.StartLevelFor(command.Severity);
        var broken = BrokenAssurance(command, facts);
        if (broken is not null)
        {
            start = Math.Max(start, (policy.Above(broken.AcceptedAtLevel) ?? policy.Levels[^1]).Level);
        }

        var level = policy.LevelFor(start);
        var now = context.Now;
        List<CaseEvent> events =
        [
            new CaseOpened(command.CaseId, CaseKinds.Breach, command.BreachId, null, command.Partners, level.Level, level.Name, now + level.RespondWithin,
                command.Severity, command.Summary, broken is not null, broken?.ResponseId, now),
        ];
        events.AddRange(CaseLadder.OnOpen(command.CaseId, command.Partners, policy, level, now));
        return Decision<CaseEvent>.Accept(events);
    }

    /// <summary>The assurance this breach breaks, if any: by one of the case's partners, in force at the breach, covering the item.</summary>
    public static AssuranceInForce? BrokenAssurance(OpenBreachCase breach, AssurancesOnRecord facts) =>
        facts.Assurances
            .Where(a => breach.Partners.Contains(a.Partner, StringComparer.Ordinal))
            .Where(a => a.ValidUntil is null || breach.ObservedAt <= a.ValidUntil)
            .Where(a => a.Scope is null || a.Scope.Count == 0 || a.Scope.Contains(breach.Classification, StringComparer.Ordinal) || breach.Caveats.Any(c => a.Scope.Contains(c, StringComparer.Ordinal)))
            .OrderByDescending(a => a.AcceptedAtLevel)
            .FirstOrDefault();

    /// <summary>A broken assurance goes on the partner's record, in the same transaction as the case.</summary>
    public override async Task KeepAsync(IDocumentSession session, OpenBreachCase command, IReadOnlyList<CaseEvent> appended, CancellationToken cancellationToken)
    {
        await base.KeepAsync(session, command, appended, cancellationToken);
        foreach (var opened in appended.OfType<CaseOpened>().Where(o => o.AssuranceBroken))
        {
            if (opened.BrokenAssuranceId is { } responseId && await session.LoadAsync<Assurance>(responseId, cancellationToken) is { } assurance)
            {
                await session.LockAsync<PartnerStanding>(assurance.Partner, cancellationToken);
                var standing = await session.LoadAsync<PartnerStanding>(assurance.Partner, cancellationToken) ?? PartnerStanding.New(assurance.Partner);
                session.Store(standing with
                {
                    BrokenAssurances = [.. standing.BrokenAssurances, new BrokenAssurance(responseId, opened.CaseId, opened.BreachId, assurance.AcceptedAtLevel, opened.OccurredAt)],
                });
            }
        }
    }
}

/// <summary>A reported breach opens its case; the inbox mark commits with it.</summary>
public sealed class BreachReportedConsumer(CommandHandler handler, OpenBreachCaseSlice slice, TimeProvider clock) : IConsumer<Contract.BreachReported>
{
    public async Task Consume(ConsumeContext<Contract.BreachReported> context)
    {
        if (await handler.Session.FirstDeliveryAsync(nameof(BreachReportedConsumer), context.MessageId, clock, context.CancellationToken))
        {
            (await handler.HandleAsync(slice, OpenBreachCase.Of(context.Message), Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
        }
    }
}
