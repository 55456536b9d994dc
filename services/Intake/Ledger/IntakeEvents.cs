namespace AuditPlatform.Intake.Ledger;

// Stored ledger events of the Intake service, one closed set per aggregate. Their stable names and contract
// mappings are in IntakeLedger; changing a field here changes history, so only add fields.

/// <summary>What happens to a partner agency.</summary>
public abstract record PartnerEvent;

/// <summary>What happens to a disclosure.</summary>
public abstract record DisclosureEvent;

/// <summary>What happens to a breach report.</summary>
public abstract record BreachEvent;

/// <summary>What happens to an item of intelligence received.</summary>
public abstract record IntelligenceEvent;

/// <summary>Events recorded while the secret still travelled on the bus also hold <c>WebhookSecretSha256</c>; it is read by nothing, and no secret is recorded any more.</summary>
public sealed record PartnerRegistered(string Code, string Name, string Country, string ChannelKind, Uri? WebhookUrl, DateTimeOffset OccurredAt) : PartnerEvent;

public sealed record SharingSuspended(string Partner, string By, string Reason, Guid? CaseId, DateTimeOffset OccurredAt) : PartnerEvent;

public sealed record SharingRestored(string Partner, string By, string Reason, Guid? CaseId, DateTimeOffset OccurredAt) : PartnerEvent;

public sealed record Recipient(string Partner, string Fingerprint);

public sealed record DisclosureRecorded(
    Guid DisclosureId,
    string Originator,
    string Title,
    string Classification,
    IReadOnlyList<string> Caveats,
    string ContentSha256,
    IReadOnlyList<Recipient> Recipients,
    string SharedBy,
    DateTimeOffset OccurredAt,
    string RequestSha256) : DisclosureEvent;

/// <summary>
/// A disclosure refused because a recipient's sharing is suspended. What was asked to be shared (classification,
/// caveats, content hash) is recorded since 6 December 2026; a refusal recorded before has them null.
/// </summary>
public sealed record SharingBlocked(
    Guid DisclosureId,
    string Originator,
    string Title,
    IReadOnlyList<string> Recipients,
    IReadOnlyList<string> SuspendedPartners,
    string SharedBy,
    DateTimeOffset OccurredAt,
    string RequestSha256,
    string? Classification = null,
    IReadOnlyList<string>? Caveats = null,
    string? ContentSha256 = null) : DisclosureEvent;

public sealed record BreachReported(
    Guid BreachId,
    Guid DisclosureId,
    string? Fingerprint,
    string Outlet,
    DateTimeOffset ObservedAt,
    string Severity,
    string Description,
    string ReportedBy,
    IReadOnlyList<string> ExposureSet,
    string? AttributedPartner,
    string Classification,
    IReadOnlyList<string> Caveats,
    DateTimeOffset OccurredAt,
    string RequestSha256) : BreachEvent;

public sealed record IntelligenceReceived(Guid ItemId, string Source, string Summary, DateTimeOffset OccurredAt, string RequestSha256) : IntelligenceEvent;

public sealed record IntelligenceAssessed(Guid ItemId, string AssessedBy, bool RelatesToTerrorism, bool PressingConcern, DateTimeOffset? ReportDue, DateTimeOffset OccurredAt) : IntelligenceEvent;

public sealed record IntelligenceReported(Guid ItemId, string Author, DateTimeOffset OccurredAt) : IntelligenceEvent;

public sealed record HandlingDeadlineMissed(Guid ItemId, string Source, DateTimeOffset AssessedAt, DateTimeOffset Deadline, DateTimeOffset? ReportedAt, DateTimeOffset OccurredAt) : IntelligenceEvent;
