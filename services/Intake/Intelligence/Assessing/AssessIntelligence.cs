using AuditPlatform.Intake.Intelligence.Reading;
using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;

namespace AuditPlatform.Intake.Intelligence.Assessing;

public sealed record AssessBody(string? AssessedBy, bool? RelatesToTerrorism, bool? PressingConcern, DateTimeOffset? OccurredAt);

/// <summary>An assessment of an item; a pressing concern starts the report deadline.</summary>
public sealed record AssessIntelligence(Guid ItemId, string? AssessedBy, bool? RelatesToTerrorism, bool? PressingConcern, DateTimeOffset? OccurredAt);

public sealed class AssessIntelligenceSlice(ReportDeadline deadline) : CommandSlice<AssessIntelligence, IntelligenceItem, IntelligenceEvent>
{
    public override string StreamFor(AssessIntelligence command) => IntelligenceItem.StreamFor(command.ItemId);

    public override void Validate(AssessIntelligence command, FieldErrors errors)
    {
        errors.Text("assessedBy", command.AssessedBy, 200);
        if (command.RelatesToTerrorism is null)
        {
            errors.Add("relatesToTerrorism", "is required (true or false).");
        }

        if (command.PressingConcern is null)
        {
            errors.Add("pressingConcern", "is required (true or false).");
        }

        errors.Happened("occurredAt", command.OccurredAt);
    }

    /// <summary>The same assessment again changes nothing.</summary>
    public override Decision<IntelligenceEvent> Decide(AssessIntelligence command, IntelligenceItem? state, CommandContext context)
    {
        if (state is null)
        {
            return Decision<IntelligenceEvent>.Refuse(Refusal.NotFound("intelligence item", command.ItemId.ToString()));
        }

        var at = command.OccurredAt!.Value.ToUniversalTime();
        var assessed = new IntelligenceAssessed(command.ItemId, command.AssessedBy!, command.RelatesToTerrorism!.Value, command.PressingConcern!.Value,
            HandlingRules.ReportDue(command.PressingConcern.Value, at, deadline.Within), at);
        return state.LastAssessment == assessed ? Decision<IntelligenceEvent>.AlreadyDone : Decision<IntelligenceEvent>.Accept(assessed);
    }

    public override IntelligenceItem? Evolve(IntelligenceItem? state, IntelligenceEvent change) => IntelligenceHistory.Evolve(state, change);

    public static async Task<IResult> Handle(Guid id, AssessBody body, CommandHandler handler, AssessIntelligenceSlice slice, CancellationToken cancellationToken) =>
        (await handler.HandleAsync(slice, new AssessIntelligence(id, body.AssessedBy, body.RelatesToTerrorism, body.PressingConcern, body.OccurredAt), Transports.Http, cancellationToken))
            .ToHttp(item => TypedResults.Created($"/intelligence/{id}", ItemView.From(item)), item => TypedResults.Ok(ItemView.From(item)));

    public static void Map(RouteGroupBuilder intelligence) =>
        intelligence.MapPost("/{id:guid}/assessments", Handle).AcceptsQuery().RequireAuthorization(Policies.Operate)
            .WithSummary("Record an assessment; a pressing concern starts the report deadline.");
}
