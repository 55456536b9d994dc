namespace AuditPlatform.Escalation.Cases.Deciding;

/// <summary>What can happen to a case; the decider turns each into events or a refusal.</summary>
public abstract record CaseCommand(Guid CaseId);

/// <summary>An assurance on record, as the decider weighs it against a new breach.</summary>
public sealed record AssuranceInForce(Guid ResponseId, string Partner, int AcceptedAtLevel, DateTimeOffset? ValidUntil, IReadOnlyList<string>? Scope);

public sealed record OpenBreachCase(
    Guid CaseId,
    Guid BreachId,
    IReadOnlyList<string> Partners,
    string Severity,
    string Classification,
    IReadOnlyList<string> Caveats,
    DateTimeOffset ObservedAt,
    string Summary,
    IReadOnlyList<AssuranceInForce> Assurances) : CaseCommand(CaseId);

public sealed record OpenHandlingDelayCase(Guid CaseId, Guid ItemId, string Source, DateTimeOffset Deadline) : CaseCommand(CaseId);

public sealed record RaiseOnDeadline(Guid CaseId) : CaseCommand(CaseId);

public sealed record RecordResponse(
    Guid CaseId,
    Guid ResponseId,
    string Partner,
    string Kind,
    string Statement,
    string Respondent,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<string>? Scope,
    DateTimeOffset OccurredAt) : CaseCommand(CaseId);

public sealed record Acknowledge(Guid CaseId, string By) : CaseCommand(CaseId);

public sealed record Assign(Guid CaseId, string By, string To) : CaseCommand(CaseId);

public sealed record EscalateByHand(Guid CaseId, string By, string Reason) : CaseCommand(CaseId);

public sealed record Note(Guid CaseId, string By, string Text) : CaseCommand(CaseId);

public sealed record Resolve(Guid CaseId, string By, string Reason, bool RestoreSharing) : CaseCommand(CaseId);

/// <summary>Why a command cannot apply; the HTTP edge answers each with its own problem type.</summary>
public sealed record CaseRefusal(int Status, string Slug, string Title, string Detail);
