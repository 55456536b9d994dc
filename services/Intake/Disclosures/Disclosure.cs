using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace AuditPlatform.Intake.Disclosures;

/// <summary>A partner holding a disclosed item since a given time.</summary>
public sealed record Holding(string Partner, string Fingerprint, DateTimeOffset SharedAt);

/// <summary>A disclosure as recorded, or refused while a recipient was suspended.</summary>
public sealed record Disclosure
{
    public const string Recorded = "recorded";
    public const string Blocked = "blocked";

    public required string Id { get; init; }

    public required Guid DisclosureId { get; init; }

    public required string Status { get; init; }

    public required string Originator { get; init; }

    public required string Title { get; init; }

    public string Classification { get; init; } = string.Empty;

    public IReadOnlyList<string> Caveats { get; init; } = [];

    public string ContentSha256 { get; init; } = string.Empty;

    public IReadOnlyList<Holding> Holders { get; init; } = [];

    /// <summary>Every recipient's fingerprint (attribution looks them up through <see cref="FingerprintOwner"/>).</summary>
    public IReadOnlyList<string> Fingerprints { get; init; } = [];

    public required string SharedBy { get; init; }

    public DateTimeOffset? SharedAt { get; init; }

    public required string RequestSha256 { get; init; }

    public IReadOnlyList<string> SuspendedPartners { get; init; } = [];

    /// <summary>A blocked disclosure's recipients as asked for, and the time the share was to take effect.</summary>
    public IReadOnlyList<string> RequestedRecipients { get; init; } = [];

    public DateTimeOffset? AttemptedAt { get; init; }

    public int BlockedAttempts { get; init; }

    public bool IsRecorded => Status == Recorded;

    public static string StreamFor(Guid id) => StreamKey.For(StreamKinds.Disclosure, id);
}

public static class DisclosureHistory
{
    public static Disclosure? Evolve(Disclosure? state, DisclosureEvent change) => change switch
    {
        SharingBlocked e => new Disclosure
        {
            Id = Disclosure.StreamFor(e.DisclosureId),
            DisclosureId = e.DisclosureId,
            Status = Disclosure.Blocked,
            Originator = e.Originator,
            Title = e.Title,
            SharedBy = e.SharedBy,
            RequestSha256 = e.RequestSha256,
            SuspendedPartners = e.SuspendedPartners,
            RequestedRecipients = e.Recipients,
            AttemptedAt = e.OccurredAt,
            Classification = e.Classification ?? string.Empty,
            Caveats = e.Caveats ?? [],
            ContentSha256 = e.ContentSha256 ?? string.Empty,
            BlockedAttempts = (state?.BlockedAttempts ?? 0) + 1,
        },
        DisclosureRecorded e => new Disclosure
        {
            Id = Disclosure.StreamFor(e.DisclosureId),
            DisclosureId = e.DisclosureId,
            Status = Disclosure.Recorded,
            Originator = e.Originator,
            Title = e.Title,
            Classification = e.Classification,
            Caveats = e.Caveats,
            ContentSha256 = e.ContentSha256,
            Holders = [.. e.Recipients.Select(r => new Holding(r.Partner, r.Fingerprint, e.OccurredAt))],
            Fingerprints = [.. e.Recipients.Select(r => r.Fingerprint)],
            SharedBy = e.SharedBy,
            SharedAt = e.OccurredAt,
            RequestSha256 = e.RequestSha256,
            BlockedAttempts = state?.BlockedAttempts ?? 0,
        },
        _ => state,
    };
}

public sealed class DisclosureProjection : SingleStreamProjection<Disclosure, string>
{
    public DisclosureProjection()
    {
        IncludeType<SharingBlocked>();
        IncludeType<DisclosureRecorded>();
    }

    public override Disclosure? Evolve(Disclosure? snapshot, string id, IEvent e) => e.Data is DisclosureEvent change ? DisclosureHistory.Evolve(snapshot, change) : snapshot;
}
