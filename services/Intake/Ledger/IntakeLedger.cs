using AuditPlatform.Intake.Breaches;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.Intake.Intelligence;
using AuditPlatform.Intake.Partners;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Intake.Ledger;

/// <summary>Intake's part of the ledger: its stored event names, read models, and how its events reach the bus.</summary>
public sealed class IntakeLedger : ILedgerEventMapper
{
    public static void Describe(LedgerOptions ledger) => ledger
        .Event<PartnerRegistered>("partner_registered")
        .Event<SharingSuspended>("sharing_suspended")
        .Event<SharingRestored>("sharing_restored")
        .Event<DisclosureRecorded>("disclosure_recorded")
        .Event<SharingBlocked>("sharing_blocked")
        .Event<BreachReported>("breach_reported")
        .Event<IntelligenceReceived>("intelligence_received")
        .Event<IntelligenceAssessed>("intelligence_assessed")
        .Event<IntelligenceReported>("intelligence_reported")
        .Event<HandlingDeadlineMissed>("handling_deadline_missed")
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

    public IReadOnlyCollection<Type> ForwardedTypes { get; } =
    [
        typeof(PartnerRegistered), typeof(SharingSuspended), typeof(SharingRestored), typeof(DisclosureRecorded),
        typeof(SharingBlocked), typeof(BreachReported), typeof(HandlingDeadlineMissed),
    ];

    public IReadOnlyCollection<Type> PublishedMessages { get; } =
    [
        typeof(Contract.PartnerRegistered), typeof(Contract.SharingSuspended), typeof(Contract.SharingRestored), typeof(Contract.DisclosureRecorded),
        typeof(Contract.SharingBlocked), typeof(Contract.BreachReported), typeof(Contract.HandlingDeadlineMissed),
    ];

    public ValueTask<object?> ToMessageAsync(IEvent committed, IQuerySession session, CancellationToken cancellationToken) => ValueTask.FromResult<object?>(committed.Data switch
    {
        PartnerRegistered e => new Contract.PartnerRegistered
        {
            Code = e.Code,
            Name = e.Name,
            Country = e.Country,
            ChannelKind = e.ChannelKind,
            WebhookUrl = e.WebhookUrl,
            OccurredAt = e.OccurredAt,
        },
        SharingSuspended e => new Contract.SharingSuspended { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt },
        SharingRestored e => new Contract.SharingRestored { Partner = e.Partner, By = e.By, Reason = e.Reason, CaseId = e.CaseId, OccurredAt = e.OccurredAt },
        DisclosureRecorded e => new Contract.DisclosureRecorded
        {
            DisclosureId = e.DisclosureId,
            Originator = e.Originator,
            Title = e.Title,
            Classification = e.Classification,
            Caveats = e.Caveats,
            Recipients = [.. e.Recipients.Select(r => new Contract.RecipientFingerprint { Partner = r.Partner, Fingerprint = r.Fingerprint })],
            SharedBy = e.SharedBy,
            OccurredAt = e.OccurredAt,
        },
        SharingBlocked e => new Contract.SharingBlocked
        {
            DisclosureId = e.DisclosureId,
            Originator = e.Originator,
            Title = e.Title,
            Recipients = e.Recipients,
            SuspendedPartners = e.SuspendedPartners,
            SharedBy = e.SharedBy,
            OccurredAt = e.OccurredAt,
        },
        BreachReported e => new Contract.BreachReported
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
        },
        HandlingDeadlineMissed e => new Contract.HandlingDeadlineMissed
        {
            ItemId = e.ItemId,
            Source = e.Source,
            AssessedAt = e.AssessedAt,
            Deadline = e.Deadline,
            ReportedAt = e.ReportedAt,
            OccurredAt = e.OccurredAt,
        },
        _ => null,
    });
}
