using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace AuditPlatform.Escalation.Cases;

/// <summary>One entry of a case's history, as operators read it.</summary>
public sealed record CaseEntry(string What, string By, string? Detail, int Level, DateTimeOffset At);

/// <summary>An escalation case; the document id is the stream key <c>case/&lt;id&gt;</c>.</summary>
public sealed record EscalationCase
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
    public const string Responded = "responded";
    public const string Resolved = "resolved";

    public static readonly IReadOnlyList<string> Statuses = [Open, Acknowledged, Responded, Resolved];

    public required string Id { get; init; }

    public required Guid CaseId { get; init; }

    public required string Kind { get; init; }

    public Guid? BreachId { get; init; }

    public Guid? ItemId { get; init; }

    public IReadOnlyList<string> Partners { get; init; } = [];

    public int Level { get; init; }

    public string LevelName { get; init; } = string.Empty;

    public string Status { get; init; } = Open;

    public DateTimeOffset Deadline { get; init; }

    public DateTimeOffset OpenedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public string? Severity { get; init; }

    public string? Summary { get; init; }

    public bool IsAcknowledged { get; init; }

    public string? AcknowledgedBy { get; init; }

    public string? Assignee { get; init; }

    public bool AssuranceBroken { get; init; }

    public Guid? BrokenAssuranceId { get; init; }

    public IReadOnlyList<Guid> ResponseIds { get; init; } = [];

    public IReadOnlyList<CaseEntry> History { get; init; } = [];

    /// <summary>Open, acknowledged and responded cases are still in the operators' queues.</summary>
    public bool IsResolved => Status == Resolved;

    /// <summary>Whether the clock runs: a response the policy deems adequate stops it.</summary>
    public bool ClockRuns => Status is Open or Acknowledged;

    public static string StreamFor(Guid caseId) => StreamKey.For(StreamKinds.Case, caseId);

    /// <summary>The case a breach opens; the same breach always names the same case, so a redelivery cannot open two.</summary>
    public static Guid ForBreach(Guid breachId) => Derived("breach", breachId);

    /// <summary>The handling-delay case of an intelligence item.</summary>
    public static Guid ForItem(Guid itemId) => Derived("intelligence", itemId);

    private static Guid Derived(string kind, Guid id) => NameBasedIds.From($"auditplatform/case/{kind}/{id:D}");
}

/// <summary>How a case's stream folds into its state; shared by the slices and the read model.</summary>
public static class CaseHistory
{
    /// <summary>The state after one more event; an event other than <see cref="CaseOpened"/> changes no case that does not exist.</summary>
    public static EscalationCase? Evolve(EscalationCase? state, CaseEvent change) => change switch
    {
        CaseOpened e => new EscalationCase
        {
            Id = EscalationCase.StreamFor(e.CaseId),
            CaseId = e.CaseId,
            Kind = e.Kind,
            BreachId = e.BreachId,
            ItemId = e.ItemId,
            Partners = e.Partners,
            Level = e.Level,
            LevelName = e.LevelName,
            Deadline = e.Deadline,
            OpenedAt = e.OccurredAt,
            UpdatedAt = e.OccurredAt,
            Severity = e.Severity,
            Summary = e.Summary,
            AssuranceBroken = e.AssuranceBroken,
            BrokenAssuranceId = e.BrokenAssuranceId,
            History = [new CaseEntry("opened", "policy", e.AssuranceBroken ? $"assurance {e.BrokenAssuranceId} broken" : e.Summary, e.Level, e.OccurredAt)],
        },
        CaseRaised e when state is not null => state with
        {
            Level = e.Level,
            LevelName = e.LevelName,
            Deadline = e.Deadline,
            UpdatedAt = e.OccurredAt,
            History = [.. state.History, new CaseEntry("raised", e.By, e.Reason, e.Level, e.OccurredAt)],
        },
        CaseAcknowledged e when state is not null => state with
        {
            IsAcknowledged = true,
            AcknowledgedBy = e.By,
            Status = state.Status == EscalationCase.Open ? EscalationCase.Acknowledged : state.Status,
            UpdatedAt = e.OccurredAt,
            History = [.. state.History, new CaseEntry("acknowledged", e.By, null, state.Level, e.OccurredAt)],
        },
        CaseAssigned e when state is not null => state with
        {
            Assignee = e.To,
            UpdatedAt = e.OccurredAt,
            History = [.. state.History, new CaseEntry("assigned", e.By, e.To, state.Level, e.OccurredAt)],
        },
        CaseNoted e when state is not null => state with
        {
            UpdatedAt = e.OccurredAt,
            History = [.. state.History, new CaseEntry("noted", e.By, e.Text, state.Level, e.OccurredAt)],
        },
        ResponseReceived e when state is not null => state with
        {
            Status = e.Adequate && state.ClockRuns ? EscalationCase.Responded : state.Status,
            ResponseIds = [.. state.ResponseIds, e.ResponseId],
            UpdatedAt = e.OccurredAt,
            History = [.. state.History, new CaseEntry("response", e.Respondent, $"{e.Partner} {e.Kind}: {e.Statement}", state.Level, e.OccurredAt)],
        },
        CaseResolved e when state is not null => state with
        {
            Status = EscalationCase.Resolved,
            UpdatedAt = e.OccurredAt,
            History = [.. state.History, new CaseEntry(e.RestoreSharing ? "resolved, sharing restored" : "resolved", e.By, e.Reason, state.Level, e.OccurredAt)],
        },
        SharingSuspensionRequested e when state is not null => state with
        {
            History = [.. state.History, new CaseEntry("suspension requested", e.By, $"{e.Partner}: {e.Reason}", state.Level, e.OccurredAt)],
        },
        SharingRestorationRequested e when state is not null => state with
        {
            History = [.. state.History, new CaseEntry("restoration requested", e.By, $"{e.Partner}: {e.Reason}", state.Level, e.OccurredAt)],
        },
        _ => state,
    };
}

/// <summary>Keeps the <see cref="EscalationCase"/> document in step with its stream, in the same transaction.</summary>
public sealed class CaseProjection : SingleStreamProjection<EscalationCase, string>
{
    public CaseProjection()
    {
        IncludeType<CaseOpened>();
        IncludeType<CaseRaised>();
        IncludeType<CaseAcknowledged>();
        IncludeType<CaseAssigned>();
        IncludeType<CaseNoted>();
        IncludeType<ResponseReceived>();
        IncludeType<CaseResolved>();
        IncludeType<SharingSuspensionRequested>();
        IncludeType<SharingRestorationRequested>();
    }

    public override EscalationCase? Evolve(EscalationCase? snapshot, string id, IEvent e) => e.Data is CaseEvent change ? CaseHistory.Evolve(snapshot, change) : snapshot;
}
