using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace AuditPlatform.Intake.Partners;

/// <summary>A partner agency and the state of its sharing agreement; the document id is the stream key.</summary>
public sealed record Partner
{
    public const string Active = "active";
    public const string Suspended = "suspended";

    public required string Id { get; init; }

    public required string Code { get; init; }

    public required string Name { get; init; }

    public required string Country { get; init; }

    public required string ChannelKind { get; init; }

    public Uri? WebhookUrl { get; init; }

    public string Sharing { get; init; } = Active;

    public DateTimeOffset? SuspendedAt { get; init; }

    public string? SuspensionReason { get; init; }

    public Guid? CaseId { get; init; }

    public bool IsSuspended => Sharing == Suspended;

    public static string StreamFor(string code) => StreamKey.For(StreamKinds.Partner, code);
}

/// <summary>How a partner's stream folds into its state; a pure function shared by decisions and the read model.</summary>
public static class PartnerHistory
{
    public static Partner? Evolve(Partner? state, PartnerEvent change) => change switch
    {
        PartnerRegistered e => (state ?? new Partner { Id = Partner.StreamFor(e.Code), Code = e.Code, Name = e.Name, Country = e.Country, ChannelKind = e.ChannelKind })
            with
        { Name = e.Name, Country = e.Country, ChannelKind = e.ChannelKind, WebhookUrl = e.WebhookUrl },
        SharingSuspended e when state is not null => state with { Sharing = Partner.Suspended, SuspendedAt = e.OccurredAt, SuspensionReason = e.Reason, CaseId = e.CaseId },
        SharingRestored when state is not null => state with { Sharing = Partner.Active, SuspendedAt = null, SuspensionReason = null, CaseId = null },
        _ => state,
    };
}

/// <summary>Keeps the <see cref="Partner"/> document in step with its stream, in the same transaction.</summary>
public sealed class PartnerProjection : SingleStreamProjection<Partner, string>
{
    public PartnerProjection()
    {
        IncludeType<PartnerRegistered>();
        IncludeType<SharingSuspended>();
        IncludeType<SharingRestored>();
    }

    public override Partner? Evolve(Partner? snapshot, string id, IEvent e) => e.Data is PartnerEvent change ? PartnerHistory.Evolve(snapshot, change) : snapshot;
}
