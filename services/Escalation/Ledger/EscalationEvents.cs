namespace AuditPlatform.Escalation.Ledger;

// Stored ledger events of the Escalation service, named in EscalationLedger. Changing a field here
// changes history, so only add fields.

/// <summary>What happens to an escalation case: the closed set its stream holds (and an operator-action stream, which holds only requests).</summary>
public abstract record CaseEvent;

public sealed record CaseOpened(
    Guid CaseId,
    string Kind,
    Guid? BreachId,
    Guid? ItemId,
    IReadOnlyList<string> Partners,
    int Level,
    string LevelName,
    DateTimeOffset Deadline,
    string? Severity,
    string? Summary,
    bool AssuranceBroken,
    Guid? BrokenAssuranceId,
    DateTimeOffset OccurredAt) : CaseEvent;

public sealed record CaseRaised(Guid CaseId, int FromLevel, int Level, string LevelName, DateTimeOffset Deadline, string By, string Reason, DateTimeOffset OccurredAt) : CaseEvent;

public sealed record CaseAcknowledged(Guid CaseId, string By, DateTimeOffset OccurredAt) : CaseEvent;

public sealed record CaseAssigned(Guid CaseId, string By, string To, DateTimeOffset OccurredAt) : CaseEvent;

public sealed record CaseNoted(Guid CaseId, string By, string Text, DateTimeOffset OccurredAt) : CaseEvent;

/// <summary>A partner's response reached the case; <c>Adequate</c> responses stop the clock.</summary>
public sealed record ResponseReceived(
    Guid CaseId,
    Guid ResponseId,
    string Partner,
    string Kind,
    string Statement,
    string Respondent,
    bool Adequate,
    int Level,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<string>? Scope,
    DateTimeOffset OccurredAt) : CaseEvent;

public sealed record CaseResolved(Guid CaseId, string By, string Reason, bool RestoreSharing, DateTimeOffset OccurredAt) : CaseEvent;

/// <summary>Escalation asks Intake to suspend sharing; forwarded as the <c>SuspendSharing</c> command.</summary>
public sealed record SharingSuspensionRequested(Guid? CaseId, string Partner, string By, string Reason, DateTimeOffset OccurredAt) : CaseEvent;

/// <summary>Escalation asks Intake to restore sharing; forwarded as the <c>RestoreSharing</c> command.</summary>
public sealed record SharingRestorationRequested(Guid? CaseId, string Partner, string By, string Reason, DateTimeOffset OccurredAt) : CaseEvent;
