using AuditPlatform.Escalation.Ledger;
using JasperFx.Events;

namespace AuditPlatform.Escalation.Cases.Reading;

/// <summary>
/// One event of a case's stream with its own fields, so a reader sees what <c>history</c> folds into a sentence: the
/// statement of a response, an assurance's scope and expiry, the level a raise came from. Only the fields the event
/// has are set.
/// </summary>
public sealed record CaseEventView(long Version, string Type, DateTimeOffset At)
{
    public string? By { get; init; }

    public int? Level { get; init; }

    public int? FromLevel { get; init; }

    public string? LevelName { get; init; }

    public DateTimeOffset? Deadline { get; init; }

    public string? Severity { get; init; }

    public string? Summary { get; init; }

    public IReadOnlyList<string>? Partners { get; init; }

    public bool? AssuranceBroken { get; init; }

    public Guid? BrokenAssuranceId { get; init; }

    public string? Reason { get; init; }

    public string? Text { get; init; }

    public string? To { get; init; }

    public string? Partner { get; init; }

    public Guid? ResponseId { get; init; }

    public string? ResponseKind { get; init; }

    public string? Statement { get; init; }

    public string? Respondent { get; init; }

    public bool? Adequate { get; init; }

    public DateTimeOffset? ValidUntil { get; init; }

    public IReadOnlyList<string>? Scope { get; init; }

    public bool? RestoreSharing { get; init; }

    /// <summary>The view of a stored event; null for anything outside the case's closed event set.</summary>
    public static CaseEventView? From(IEvent stored) => stored.Data switch
    {
        CaseOpened e => new(stored.Version, "opened", e.OccurredAt)
        {
            By = "policy", Level = e.Level, LevelName = e.LevelName, Deadline = e.Deadline, Severity = e.Severity, Summary = e.Summary,
            Partners = e.Partners, AssuranceBroken = e.AssuranceBroken, BrokenAssuranceId = e.BrokenAssuranceId,
        },
        CaseRaised e => new(stored.Version, "raised", e.OccurredAt)
        {
            By = e.By, FromLevel = e.FromLevel, Level = e.Level, LevelName = e.LevelName, Deadline = e.Deadline, Reason = e.Reason,
        },
        CaseAcknowledged e => new(stored.Version, "acknowledged", e.OccurredAt) { By = e.By },
        CaseAssigned e => new(stored.Version, "assigned", e.OccurredAt) { By = e.By, To = e.To },
        CaseNoted e => new(stored.Version, "noted", e.OccurredAt) { By = e.By, Text = e.Text },
        ResponseReceived e => new(stored.Version, "response", e.OccurredAt)
        {
            By = e.Respondent, Partner = e.Partner, ResponseId = e.ResponseId, ResponseKind = e.Kind, Statement = e.Statement, Respondent = e.Respondent,
            Adequate = e.Adequate, Level = e.Level, ValidUntil = e.ValidUntil, Scope = e.Scope,
        },
        CaseResolved e => new(stored.Version, "resolved", e.OccurredAt) { By = e.By, Reason = e.Reason, RestoreSharing = e.RestoreSharing },
        SharingSuspensionRequested e => new(stored.Version, "suspensionRequested", e.OccurredAt) { By = e.By, Partner = e.Partner, Reason = e.Reason },
        SharingRestorationRequested e => new(stored.Version, "restorationRequested", e.OccurredAt) { By = e.By, Partner = e.Partner, Reason = e.Reason },
        _ => null,
    };
}
