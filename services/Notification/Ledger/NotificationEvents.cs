namespace AuditPlatform.Notification.Ledger;

// Stored ledger events of the Notification service, one closed set per aggregate. They are given stable names in
// NotificationLedger and mapped there to the public contract; changing a field here changes history, so only add fields.

/// <summary>What happens to a notice: planned, each delivery attempt's outcome, acknowledged.</summary>
public abstract record NoticeEvent;

/// <summary>What happens to a diplomatic response: it is recorded.</summary>
public abstract record ResponseEvent;

/// <summary>
/// A notice was planned for a partner. It carries everything the partner is told, so every delivery attempt
/// sends the same bytes (and the same signature) and an inquiry can read exactly what was said.
/// </summary>
public sealed record NoticeCreated(
    Guid NoticeId,
    string Partner,
    string Kind,
    Guid DisclosureId,
    Guid? BreachId,
    string Classification,
    IReadOnlyList<string> Caveats,
    string? Title,
    string? Fingerprint,
    string? Severity,
    string? Outlet,
    string? Description,
    DateTimeOffset? ObservedAt,
    bool? Attributed,
    DateTimeOffset? RespondBy,
    DateTimeOffset OccurredAt) : NoticeEvent;

/// <summary>An attempt to deliver failed; <see cref="NextAttemptAt"/> null means the attempts are exhausted and the notice failed.</summary>
public sealed record NoticeDeliveryFailed(Guid NoticeId, string Partner, int Attempt, string Error, DateTimeOffset? NextAttemptAt, DateTimeOffset OccurredAt) : NoticeEvent;

/// <summary>The notice reached the partner's channel (the broker confirmed it, or the webhook answered 2xx).</summary>
public sealed record PartnerNotified(Guid NoticeId, string Partner, string Kind, Guid DisclosureId, Guid? BreachId, string Channel, string? Fingerprint, int Attempt, DateTimeOffset OccurredAt) : NoticeEvent;

public sealed record NoticeAcknowledged(Guid NoticeId, string Partner, string By, DateTimeOffset OccurredAt) : NoticeEvent;

public sealed record DiplomaticResponseRecorded(
    Guid ResponseId,
    string Partner,
    Guid? BreachId,
    Guid? CaseId,
    string Kind,
    string Statement,
    string Respondent,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<string>? Scope,
    DateTimeOffset OccurredAt,
    string RequestSha256) : ResponseEvent;
