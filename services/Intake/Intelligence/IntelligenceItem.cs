using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace AuditPlatform.Intake.Intelligence;

/// <summary>One step of an item's handling, as the timeline shows it.</summary>
public sealed record HandlingStep(string Step, DateTimeOffset OccurredAt, string? By, string? Detail);

/// <summary>Internal intelligence and how it was handled: received, assessed, written up (in time or not).</summary>
public sealed record IntelligenceItem
{
    public required string Id { get; init; }

    public required Guid ItemId { get; init; }

    public required string Source { get; init; }

    public required string Summary { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public required string RequestSha256 { get; init; }

    public IntelligenceAssessed? LastAssessment { get; init; }

    public DateTimeOffset? ReportDue { get; init; }

    public DateTimeOffset? ReportedAt { get; init; }

    public string? ReportAuthor { get; init; }

    public DateTimeOffset? DeadlineMissedAt { get; init; }

    /// <summary>True while a report is due and neither written nor recorded as missed; the deadline watch queries it.</summary>
    public bool AwaitingReport { get; init; }

    public IReadOnlyList<HandlingStep> Timeline { get; init; } = [];

    public static string StreamFor(Guid id) => StreamKey.For(StreamKinds.Intelligence, id);
}

public static class IntelligenceHistory
{
    public static IntelligenceItem? Evolve(IntelligenceItem? state, IntelligenceEvent change) => change switch
    {
        IntelligenceReceived e => new IntelligenceItem
        {
            Id = IntelligenceItem.StreamFor(e.ItemId),
            ItemId = e.ItemId,
            Source = e.Source,
            Summary = e.Summary,
            ReceivedAt = e.OccurredAt,
            RequestSha256 = e.RequestSha256,
            Timeline = [new HandlingStep("received", e.OccurredAt, e.Source, null)],
        },
        IntelligenceAssessed e when state is not null => state with
        {
            LastAssessment = e,
            ReportDue = state.ReportedAt is null ? e.ReportDue : state.ReportDue,
            AwaitingReport = e.ReportDue is not null && state.ReportedAt is null && state.DeadlineMissedAt is null,
            Timeline = [.. state.Timeline, new HandlingStep("assessed", e.OccurredAt, e.AssessedBy,
                $"relatesToTerrorism={e.RelatesToTerrorism.ToString().ToLowerInvariant()}, pressingConcern={e.PressingConcern.ToString().ToLowerInvariant()}" + (e.ReportDue is { } due ? $", report due {due:O}" : string.Empty))],
        },
        IntelligenceReported e when state is not null => state with
        {
            ReportedAt = e.OccurredAt,
            ReportAuthor = e.Author,
            AwaitingReport = false,
            Timeline = [.. state.Timeline, new HandlingStep("reported", e.OccurredAt, e.Author, null)],
        },
        HandlingDeadlineMissed e when state is not null => state with
        {
            DeadlineMissedAt = e.Deadline,
            AwaitingReport = false,
            Timeline = [.. state.Timeline, new HandlingStep("deadline-missed", e.OccurredAt, null, $"report was due {e.Deadline:O}")],
        },
        _ => state,
    };
}

/// <summary>The pure rules of handling in time.</summary>
public static class HandlingRules
{
    /// <summary>A pressing concern must be written up within Intake:HandlingReportWithin of its assessment.</summary>
    public static DateTimeOffset? ReportDue(bool pressingConcern, DateTimeOffset assessedAt, TimeSpan within) =>
        pressingConcern ? assessedAt + within : null;

    /// <summary>The miss to record now, if the deadline has passed with no report and none was recorded.</summary>
    public static HandlingDeadlineMissed? MissAt(IntelligenceItem item, DateTimeOffset now) =>
        item is { AwaitingReport: true, ReportDue: { } due, LastAssessment: { } assessed } && now > due
            ? new HandlingDeadlineMissed(item.ItemId, item.Source, assessed.OccurredAt, due, null, due)
            : null;

    /// <summary>A report written after its deadline records the miss first, unless the watch already did.</summary>
    public static HandlingDeadlineMissed? LateReport(IntelligenceItem item, DateTimeOffset reportedAt) =>
        item is { ReportDue: { } due, DeadlineMissedAt: null, ReportedAt: null, LastAssessment: { } assessed } && reportedAt > due
            ? new HandlingDeadlineMissed(item.ItemId, item.Source, assessed.OccurredAt, due, reportedAt, due)
            : null;
}

public sealed class IntelligenceProjection : SingleStreamProjection<IntelligenceItem, string>
{
    public IntelligenceProjection()
    {
        IncludeType<IntelligenceReceived>();
        IncludeType<IntelligenceAssessed>();
        IncludeType<IntelligenceReported>();
        IncludeType<HandlingDeadlineMissed>();
    }

    public override IntelligenceItem? Evolve(IntelligenceItem? snapshot, string id, IEvent e) => e.Data is IntelligenceEvent change ? IntelligenceHistory.Evolve(snapshot, change) : snapshot;
}
