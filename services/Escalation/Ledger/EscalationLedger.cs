using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Partners;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using JasperFx.Events.Projections;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Ledger;

/// <summary>Escalation's part of the ledger: its stored event names, read models, and what reaches the bus.</summary>
public static class EscalationLedger
{
    /// <summary>Stream kind of an operator's suspension or restoration that names no case.</summary>
    public const string OperatorActionKind = "operator-action";

    public static EventTable Table { get; } = new EventTable(EscalationService.Name)
        .Forwarded<CaseOpened, Contract.EscalationOpened>("case_opened", e => new()
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
        })
        .Forwarded<CaseRaised, Contract.EscalationRaised>("case_raised", e => new()
        {
            CaseId = e.CaseId,
            FromLevel = e.FromLevel,
            Level = e.Level,
            LevelName = e.LevelName,
            Deadline = e.Deadline,
            By = e.By,
            Reason = e.Reason,
            OccurredAt = e.OccurredAt,
        })
        .Stored<CaseAcknowledged>("case_acknowledged")
        .Stored<CaseAssigned>("case_assigned")
        .Stored<CaseNoted>("case_noted")
        .Stored<ResponseReceived>("case_response_received")
        .Forwarded<CaseResolved, Contract.EscalationResolved>("case_resolved", e => new() { CaseId = e.CaseId, By = e.By, Reason = e.Reason, RestoreSharing = e.RestoreSharing, OccurredAt = e.OccurredAt })
        .Forwarded<SharingSuspensionRequested, Contract.SuspendSharing>("sharing_suspension_requested", e => new() { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt })
        .Forwarded<SharingRestorationRequested, Contract.RestoreSharing>("sharing_restoration_requested", e => new() { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt })
        .Consumes<Contract.BreachReported>()
        .Consumes<Contract.HandlingDeadlineMissed>()
        .Consumes<Contract.DiplomaticResponseRecorded>()
        .Consumes<Contract.SharingSuspended>()
        .Consumes<Contract.SharingRestored>()
        .Consumes<Contract.PartnerRegistered>()
        .Store(options =>
        {
            options.Projections.Add(new CaseProjection(), ProjectionLifecycle.Inline);
            options.Schema.For<EscalationCase>().Index(c => c.Deadline).Index(c => c.Status);
            options.Schema.For<Assurance>().Index(a => a.Partner);
            options.Schema.For<PartnerStanding>();
            options.Schema.For<ProcessedMessage>();
        });
}
