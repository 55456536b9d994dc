using AuditPlatform.Intake.Intelligence.Deadlines;
using AuditPlatform.Intake.Intelligence.Reading;
using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;

namespace AuditPlatform.Intake.Intelligence.Reporting;

public sealed record ReportBody(string? Author, DateTimeOffset? OccurredAt);

/// <summary>The write-up of an item; a late one records the missed deadline first.</summary>
public sealed record ReportIntelligence(Guid ItemId, string? Author, DateTimeOffset? OccurredAt);

public sealed class ReportIntelligenceSlice : CommandSlice<ReportIntelligence, IntelligenceItem, IntelligenceEvent>
{
    public override string StreamFor(ReportIntelligence command) => IntelligenceItem.StreamFor(command.ItemId);

    public override void Validate(ReportIntelligence command, FieldErrors errors)
    {
        errors.Text("author", command.Author, 200);
        errors.Happened("occurredAt", command.OccurredAt);
    }

    public override Decision<IntelligenceEvent> Decide(ReportIntelligence command, IntelligenceItem? state, CommandContext context)
    {
        if (state is null)
        {
            return Decision<IntelligenceEvent>.Refuse(Refusal.NotFound("intelligence item", command.ItemId.ToString()));
        }

        var at = command.OccurredAt!.Value.ToUniversalTime();
        if (state.ReportedAt is not null)
        {
            return state.ReportedAt == at && state.ReportAuthor == command.Author
                ? Decision<IntelligenceEvent>.AlreadyDone
                : Decision<IntelligenceEvent>.Refuse(new Refusal(RefusalKind.Conflict, "already-reported", "The item is already written up.",
                    $"It was reported at {state.ReportedAt:O} by {state.ReportAuthor}."));
        }

        var reported = new IntelligenceReported(command.ItemId, command.Author!, at);
        return HandlingRules.LateReport(state, at) is { } missed
            ? Decision<IntelligenceEvent>.Accept(missed, reported)
            : Decision<IntelligenceEvent>.Accept(reported);
    }

    public override IntelligenceItem? Evolve(IntelligenceItem? state, IntelligenceEvent change) => IntelligenceHistory.Evolve(state, change);

    public static async Task<IResult> Handle(Guid id, ReportBody body, CommandHandler handler, ReportIntelligenceSlice slice, PlatformMetrics metrics, CancellationToken cancellationToken)
    {
        var outcome = await handler.HandleAsync(slice, new ReportIntelligence(id, body.Author, body.OccurredAt), Transports.Http, cancellationToken);
        if (outcome.Decision.Events.Any(e => e is HandlingDeadlineMissed))
        {
            metrics.DeadlineMissed(HandlingDeadlines.Kind);
        }

        return outcome.ToHttp(item => TypedResults.Created($"/intelligence/{id}", ItemView.From(item)), item => TypedResults.Ok(ItemView.From(item)));
    }

    public static void Map(RouteGroupBuilder intelligence) =>
        intelligence.MapPost("/{id:guid}/reports", Handle).AcceptsQuery().RequireAuthorization(Policies.Operate)
            .WithSummary("Record the write-up; a late one records the missed deadline.");
}
