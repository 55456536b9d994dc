using AuditPlatform.Intake.Breaches;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.Intake.Intelligence;
using AuditPlatform.Intake.Partners;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using JasperFx.Events.Projections;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Intake.Ledger;

/// <summary>Intake's part of the ledger and the bus: its stored events, what reaches the bus, what it consumes, and its read models.</summary>
public static class IntakeLedger
{
    public static EventTable Table { get; } = new EventTable(IntakeService.Name)
        .Forwarded<PartnerRegistered, Contract.PartnerRegistered>("partner_registered", e => new()
        {
            Code = e.Code,
            Name = e.Name,
            Country = e.Country,
            ChannelKind = e.ChannelKind,
            WebhookUrl = e.WebhookUrl,
            OccurredAt = e.OccurredAt,
        })
        .Forwarded<SharingSuspended, Contract.SharingSuspended>("sharing_suspended", e => new() { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt })
        .Forwarded<SharingRestored, Contract.SharingRestored>("sharing_restored", e => new() { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt })
        .Forwarded<DisclosureRecorded, Contract.DisclosureRecorded>("disclosure_recorded", e => new()
        {
            DisclosureId = e.DisclosureId,
            Originator = e.Originator,
            Title = e.Title,
            Classification = e.Classification,
            Caveats = e.Caveats,
            Recipients = [.. e.Recipients.Select(r => new Contract.RecipientFingerprint { Partner = r.Partner, Fingerprint = r.Fingerprint })],
            SharedBy = e.SharedBy,
            OccurredAt = e.OccurredAt,
        })
        .Forwarded<SharingBlocked, Contract.SharingBlocked>("sharing_blocked", e => new()
        {
            DisclosureId = e.DisclosureId,
            Originator = e.Originator,
            Title = e.Title,
            Recipients = e.Recipients,
            Classification = e.Classification,
            Caveats = e.Caveats,
            SuspendedPartners = e.SuspendedPartners,
            SharedBy = e.SharedBy,
            OccurredAt = e.OccurredAt,
        })
        .Forwarded<BreachReported, Contract.BreachReported>("breach_reported", e => new()
        {
            BreachId = e.BreachId,
            DisclosureId = e.DisclosureId,
            Fingerprint = e.Fingerprint,
            Outlet = e.Outlet,
            ObservedAt = e.ObservedAt,
            Severity = e.Severity,
            Description = e.Description,
            ReportedBy = e.ReportedBy,
            ExposureSet = e.ExposureSet,
            AttributedPartner = e.AttributedPartner,
            Classification = e.Classification,
            Caveats = e.Caveats,
            OccurredAt = e.OccurredAt,
        })
        .Stored<IntelligenceReceived>("intelligence_received")
        .Stored<IntelligenceAssessed>("intelligence_assessed")
        .Stored<IntelligenceReported>("intelligence_reported")
        .Forwarded<HandlingDeadlineMissed, Contract.HandlingDeadlineMissed>("handling_deadline_missed", e => new()
        {
            ItemId = e.ItemId,
            Source = e.Source,
            AssessedAt = e.AssessedAt,
            Deadline = e.Deadline,
            ReportedAt = e.ReportedAt,
            OccurredAt = e.OccurredAt,
        })
        .Consumes<Contract.RecordDisclosure>()
        .Consumes<Contract.ReportBreach>()
        .Consumes<Contract.SuspendSharing>()
        .Consumes<Contract.RestoreSharing>()
        .Sends<Contract.CommandRefused>()
        .Store(options =>
        {
            options.Projections.Add(new PartnerProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new DisclosureProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new BreachProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new IntelligenceProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new FingerprintOwnerProjection(), ProjectionLifecycle.Inline);
            options.Schema.For<IntelligenceItem>().Index(i => i.ReportDue);
            options.Schema.For<ProcessedMessage>();
        });
}
