namespace AuditPlatform.Escalation.Cases.Reading;

/// <summary>
/// A case as the contract lists it (<c>deadline</c> only while the clock runs); with its history when read alone, and
/// then also its stream's events one by one (<c>events</c>, added after <c>history</c>, which keeps its shape).
/// </summary>
public sealed record CaseView(
    Guid CaseId,
    string Kind,
    Guid? BreachId,
    Guid? ItemId,
    IReadOnlyList<string> Partners,
    int Level,
    string LevelName,
    string Status,
    DateTimeOffset? Deadline,
    DateTimeOffset OpenedAt,
    DateTimeOffset UpdatedAt,
    string? Assignee,
    bool Acknowledged,
    string? Severity,
    string? Summary,
    bool AssuranceBroken,
    Guid? BrokenAssuranceId,
    IReadOnlyList<CaseEntry>? History = null,
    IReadOnlyList<CaseEventView>? Events = null)
{
    public static CaseView From(EscalationCase c) => new(
        c.CaseId, c.Kind, c.BreachId, c.ItemId, c.Partners, c.Level, c.LevelName, c.Status, c.ClockRuns ? c.Deadline : null,
        c.OpenedAt, c.UpdatedAt, c.Assignee, c.IsAcknowledged, c.Severity, c.Summary, c.AssuranceBroken, c.BrokenAssuranceId);

    public static CaseView WithHistory(EscalationCase c) => From(c) with { History = c.History };
}
