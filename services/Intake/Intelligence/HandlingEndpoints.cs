using AuditPlatform.Intake.Intelligence.Deadlines;
using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Policy;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;

namespace AuditPlatform.Intake.Intelligence;

public sealed record ReceiveBody(Guid? ItemId, string? Source, string? Summary, DateTimeOffset? OccurredAt);

public sealed record AssessBody(string? AssessedBy, bool? RelatesToTerrorism, bool? PressingConcern, DateTimeOffset? OccurredAt);

public sealed record ReportBody(string? Author, DateTimeOffset? OccurredAt);

public sealed record ItemView(Guid ItemId, string Source, string Summary, DateTimeOffset ReceivedAt, DateTimeOffset? ReportDue, DateTimeOffset? ReportedAt, DateTimeOffset? DeadlineMissedAt, IReadOnlyList<HandlingStep> Timeline)
{
    public static ItemView From(IntelligenceItem i) => new(i.ItemId, i.Source, i.Summary, i.ReceivedAt, i.ReportDue, i.ReportedAt, i.DeadlineMissedAt, i.Timeline);
}

/// <summary>Receiving, assessing and writing up internal intelligence (flow 6, "handle in time").</summary>
public static class HandlingEndpoints
{
    public static void MapIntelligence(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/intelligence").WithTags("Intelligence");
        group.MapPost("/", Receive).AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Record intelligence received.");
        group.MapPost("/{id:guid}/assessments", Assess).AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Record an assessment; a pressing concern starts the report deadline.");
        group.MapPost("/{id:guid}/reports", Report).AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Record the write-up; a late one records the missed deadline.");
        group.MapGet("/{id:guid}", Get).AcceptsQuery().RequireAuthorization(Policies.ReadInternal).WithSummary("The item with its handling timeline.");
    }

    public static async Task<IResult> Receive(ReceiveBody body, IDocumentSession session, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Id("itemId", body.ItemId);
        errors.Text("source", body.Source, 200);
        errors.Text("summary", body.Summary, 4000);
        errors.Time("occurredAt", body.OccurredAt);
        if (errors.Any)
        {
            return Rejected("ReceiveIntelligence", "validation", TypedResults.ValidationProblem(errors.ToDictionary(), type: Problems.Type("validation")));
        }

        var normalised = body with { ItemId = body.ItemId ?? Guid.CreateVersion7(), OccurredAt = body.OccurredAt!.Value.ToUniversalTime() };
        var hash = Idempotency.RequestHash(normalised);
        var stream = await session.Events.FetchForWriting<IntelligenceItem>(IntelligenceItem.StreamFor(normalised.ItemId.Value), cancellationToken);
        switch (Idempotency.Decide(stream.Aggregate?.RequestSha256, hash))
        {
            case ClientIdOutcome.Replay:
                return TypedResults.Ok(new { itemId = normalised.ItemId });
            case ClientIdOutcome.Conflict:
                return Rejected("ReceiveIntelligence", "client-id-conflict", Problems.ClientIdConflict("itemId", normalised.ItemId.Value));
        }

        stream.AppendOne(new IntelligenceReceived(normalised.ItemId.Value, body.Source!, body.Summary!, normalised.OccurredAt.Value, hash));
        await session.SaveChangesAsync(cancellationToken);
        PlatformMetrics.Accepted("ReceiveIntelligence", "http");
        return TypedResults.Created($"/intelligence/{normalised.ItemId}", new { itemId = normalised.ItemId });
    }

    public static async Task<IResult> Assess(Guid id, AssessBody body, IDocumentSession session, EscalationPolicy policy, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Text("assessedBy", body.AssessedBy, 200);
        if (body.RelatesToTerrorism is null)
        {
            errors.Add("relatesToTerrorism", "is required (true or false).");
        }

        if (body.PressingConcern is null)
        {
            errors.Add("pressingConcern", "is required (true or false).");
        }

        errors.Time("occurredAt", body.OccurredAt);
        if (errors.Any)
        {
            return Rejected("AssessIntelligence", "validation", TypedResults.ValidationProblem(errors.ToDictionary(), type: Problems.Type("validation")));
        }

        var stream = await session.Events.FetchForWriting<IntelligenceItem>(IntelligenceItem.StreamFor(id), cancellationToken);
        if (stream.Aggregate is not { } item)
        {
            return Problems.NotFound("intelligence item", id.ToString());
        }

        var at = body.OccurredAt!.Value.ToUniversalTime();
        var assessed = new IntelligenceAssessed(id, body.AssessedBy!, body.RelatesToTerrorism!.Value, body.PressingConcern!.Value,
            HandlingRules.ReportDue(body.PressingConcern.Value, at, policy.HandlingReportWithin), at);
        if (item.LastAssessment == assessed)
        {
            return TypedResults.Ok(ItemView.From(item));
        }

        stream.AppendOne(assessed);
        await session.SaveChangesAsync(cancellationToken);
        PlatformMetrics.Accepted("AssessIntelligence", "http");
        return TypedResults.Created($"/intelligence/{id}", ItemView.From(IntelligenceHistory.Evolve(item, assessed)!));
    }

    public static async Task<IResult> Report(Guid id, ReportBody body, IDocumentSession session, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Text("author", body.Author, 200);
        errors.Time("occurredAt", body.OccurredAt);
        if (errors.Any)
        {
            return Rejected("ReportIntelligence", "validation", TypedResults.ValidationProblem(errors.ToDictionary(), type: Problems.Type("validation")));
        }

        var stream = await session.Events.FetchForWriting<IntelligenceItem>(IntelligenceItem.StreamFor(id), cancellationToken);
        if (stream.Aggregate is not { } item)
        {
            return Problems.NotFound("intelligence item", id.ToString());
        }

        var at = body.OccurredAt!.Value.ToUniversalTime();
        if (item.ReportedAt is not null)
        {
            return item.ReportedAt == at && item.ReportAuthor == body.Author
                ? TypedResults.Ok(ItemView.From(item))
                : Rejected("ReportIntelligence", "already-reported", Problems.Refusal(StatusCodes.Status409Conflict, "already-reported", "The item is already written up.", $"It was reported at {item.ReportedAt:O} by {item.ReportAuthor}."));
        }

        var events = new List<object>();
        if (HandlingRules.LateReport(item, at) is { } missed)
        {
            events.Add(missed);
        }

        events.Add(new IntelligenceReported(id, body.Author!, at));
        stream.AppendMany(events);
        await session.SaveChangesAsync(cancellationToken);
        PlatformMetrics.Accepted("ReportIntelligence", "http");
        if (events[0] is HandlingDeadlineMissed)
        {
            PlatformMetrics.DeadlineMissed(HandlingDeadlineWatch.DeadlineKind);
        }

        return TypedResults.Created($"/intelligence/{id}", ItemView.From(events.Aggregate(item, (s, e) => IntelligenceHistory.Evolve(s, e)!)));
    }

    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken cancellationToken)
    {
        var item = await session.LoadAsync<IntelligenceItem>(IntelligenceItem.StreamFor(id), cancellationToken);
        return item is null ? Problems.NotFound("intelligence item", id.ToString()) : TypedResults.Ok(ItemView.From(item));
    }

    /// <summary>Counts and logs the refusal under its problem type's slug, like every other command.</summary>
    private static IResult Rejected(string command, string reason, IResult problem)
    {
        PlatformMetrics.Rejected(command, "http", reason);
        return problem;
    }
}
