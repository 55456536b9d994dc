using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Partners;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Ledger;

/// <summary>Escalation's part of the ledger: its stored event names, read models, and what reaches the bus.</summary>
public sealed class EscalationLedger : ILedgerEventMapper
{
    /// <summary>Stream kind of an operator's suspension or restoration that names no case.</summary>
    public const string OperatorActionKind = "operator-action";

    public static void Describe(LedgerOptions ledger) => ledger
        .Event<CaseOpened>("case_opened")
        .Event<CaseRaised>("case_raised")
        .Event<CaseAcknowledged>("case_acknowledged")
        .Event<CaseAssigned>("case_assigned")
        .Event<CaseNoted>("case_noted")
        .Event<ResponseReceived>("case_response_received")
        .Event<CaseResolved>("case_resolved")
        .Event<SharingSuspensionRequested>("sharing_suspension_requested")
        .Event<SharingRestorationRequested>("sharing_restoration_requested")
        .Store(options =>
        {
            options.Projections.Add(new CaseProjection(), ProjectionLifecycle.Inline);
            options.Schema.For<EscalationCase>().Index(c => c.Deadline).Index(c => c.Status);
            options.Schema.For<Assurance>().Index(a => a.Partner);
            options.Schema.For<PartnerStanding>();
            options.Schema.For<ProcessedMessage>();
        });

    public IReadOnlyCollection<Type> ForwardedTypes { get; } =
        [typeof(CaseOpened), typeof(CaseRaised), typeof(CaseResolved), typeof(SharingSuspensionRequested), typeof(SharingRestorationRequested)];

    public IReadOnlyCollection<Type> PublishedMessages { get; } =
        [typeof(Contract.EscalationOpened), typeof(Contract.EscalationRaised), typeof(Contract.EscalationResolved), typeof(Contract.SuspendSharing), typeof(Contract.RestoreSharing)];

    public ValueTask<object?> ToMessageAsync(IEvent committed, IQuerySession session, CancellationToken cancellationToken) => ValueTask.FromResult<object?>(committed.Data switch
    {
        CaseOpened e => new Contract.EscalationOpened
        {
            CaseId = e.CaseId,
            Kind = e.Kind,
            BreachId = e.BreachId,
            ItemId = e.ItemId,
            Partners = e.Partners,
            Level = e.Level,
            LevelName = e.LevelName,
            Deadline = e.Deadline,
            AssuranceBroken = e.AssuranceBroken,
            BrokenAssuranceId = e.BrokenAssuranceId,
            OccurredAt = e.OccurredAt,
        },
        CaseRaised e => new Contract.EscalationRaised
        {
            CaseId = e.CaseId,
            FromLevel = e.FromLevel,
            Level = e.Level,
            LevelName = e.LevelName,
            Deadline = e.Deadline,
            By = e.By,
            Reason = e.Reason,
            OccurredAt = e.OccurredAt,
        },
        CaseResolved e => new Contract.EscalationResolved { CaseId = e.CaseId, By = e.By, Reason = e.Reason, RestoreSharing = e.RestoreSharing, OccurredAt = e.OccurredAt },
        SharingSuspensionRequested e => new Contract.SuspendSharing { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt },
        SharingRestorationRequested e => new Contract.RestoreSharing { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt },
        _ => null,
    });
}
