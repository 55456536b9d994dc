using System.Security.Claims;
using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using MassTransit;
using Stored = AuditPlatform.Notification.Ledger;

namespace AuditPlatform.Notification.Responses.Recording;

/// <summary>The HTTP body of <c>POST /responses</c>: the command's fields, all optional until validated.</summary>
public sealed record RecordResponseBody(
    Guid? ResponseId, string? Partner, Guid? BreachId, Guid? CaseId, string? Kind, string? Statement, string? Respondent,
    DateTimeOffset? OccurredAt, DateTimeOffset? ValidUntil, IReadOnlyList<string>? Scope)
{
    public RecordPartnerResponse ToCommand() => new()
    {
        ResponseId = ResponseId,
        Partner = Partner!,
        BreachId = BreachId,
        CaseId = CaseId,
        Kind = Kind!,
        Statement = Statement!,
        Respondent = Respondent!,
        OccurredAt = OccurredAt ?? default,
        ValidUntil = ValidUntil,
        Scope = Scope,
    };
}

public sealed record ResponseReceipt(Guid ResponseId);

/// <summary>
/// A partner's diplomatic response to a breach or case, recorded once under its client id: the same request again is
/// answered as before, another request under the same id is a conflict.
/// </summary>
public sealed class RecordResponseSlice : CommandSlice<RecordPartnerResponse, DiplomaticResponse, Stored.ResponseEvent>
{
    public const int MaxScope = 50;

    /// <summary>A command without a client id gets <paramref name="fallbackId"/> (a new id over HTTP, the message id on the bus); times are UTC.</summary>
    public static RecordPartnerResponse Normalise(RecordPartnerResponse command, Guid fallbackId) => command with
    {
        ResponseId = command.ResponseId ?? fallbackId,
        OccurredAt = command.OccurredAt.ToUniversalTime(),
        ValidUntil = command.ValidUntil?.ToUniversalTime(),
    };

    public override string StreamFor(RecordPartnerResponse command) => DiplomaticResponse.StreamFor(command.ResponseId!.Value);

    public override void Validate(RecordPartnerResponse command, FieldErrors errors)
    {
        errors.Id("responseId", command.ResponseId);
        errors.PartnerCode("partner", command.Partner);
        errors.Id("breachId", command.BreachId);
        errors.Id("caseId", command.CaseId);
        errors.OneOf("kind", command.Kind, ResponseKinds.All);
        errors.Text("statement", command.Statement, 4000);
        errors.Text("respondent", command.Respondent, 200);
        errors.Happened("occurredAt", command.OccurredAt);
        var assurance = command.Kind == ResponseKinds.Assurance;
        if (command.ValidUntil is { } validUntil)
        {
            if (!assurance)
            {
                errors.Add("validUntil", "only an assurance may carry validUntil.");
            }
            else if (command.OccurredAt != default && validUntil <= command.OccurredAt)
            {
                errors.Add("validUntil", "must be later than occurredAt.");
            }
        }

        if (command.Scope is not null)
        {
            if (!assurance)
            {
                errors.Add("scope", "only an assurance may carry a scope.");
            }

            errors.List("scope", command.Scope, max: MaxScope);
            if (command.Scope.Any(s => string.IsNullOrWhiteSpace(s) || s.Length > 100))
            {
                errors.Add("scope", "each entry (a caveat or a classification) must be 1 to 100 characters.");
            }
        }
    }

    public override ClientId? ClientId(RecordPartnerResponse command) => new("responseId", command.ResponseId!.Value);

    public override string? RecordedRequest(DiplomaticResponse state) => state.Recorded.RequestSha256;

    public override Decision<Stored.ResponseEvent> Decide(RecordPartnerResponse command, DiplomaticResponse? state, CommandContext context) =>
        Decision<Stored.ResponseEvent>.Accept(new Stored.DiplomaticResponseRecorded(command.ResponseId!.Value, command.Partner, command.BreachId, command.CaseId, command.Kind,
            command.Statement, command.Respondent, command.ValidUntil, command.Scope, command.OccurredAt, context.RequestSha256));

    public override DiplomaticResponse? Evolve(DiplomaticResponse? state, Stored.ResponseEvent change) => DiplomaticResponseHistory.Evolve(state, change);
}

public static class RecordResponseEndpoint
{
    public static async Task<IResult> Handle(RecordResponseBody body, ClaimsPrincipal user, CommandHandler handler, RecordResponseSlice slice, CancellationToken cancellationToken)
    {
        var command = RecordResponseSlice.Normalise(body.ToCommand(), Guid.CreateVersion7());
        if (!user.MayActFor(command.Partner ?? string.Empty))
        {
            return HttpOutcomes.Problem(handler.Refuse(slice.Name, Transports.Http, Refusal.Forbidden("An integrator may respond only for its own partner.")));
        }

        var outcome = await handler.HandleAsync(slice, command, Transports.Http, cancellationToken);
        return outcome.ToHttp(
            recorded => TypedResults.Created($"/responses/{recorded.Recorded.ResponseId}", new ResponseReceipt(recorded.Recorded.ResponseId)),
            replayed => TypedResults.Ok(new ResponseReceipt(replayed.Recorded.ResponseId)));
    }

    public static void MapRecordResponse(this IEndpointRouteBuilder app) =>
        app.MapPost("/responses", Handle).AcceptsQuery().RequireAuthorization(Policies.OperateOrIntegrate).WithTags("Responses")
            .WithSummary("Record a partner's diplomatic response to a breach or case; published for Escalation.")
            .Produces<ResponseReceipt>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).ProducesValidationProblem();
}

/// <summary>
/// The bus face of the same slice: the sender's token must allow acting for the responding partner; without a client
/// id, the message id is the client id, so redelivery has one effect.
/// </summary>
public sealed class RecordPartnerResponseConsumer(CommandHandler handler, RecordResponseSlice slice, BusCaller caller) : IConsumer<RecordPartnerResponse>
{
    public async Task Consume(ConsumeContext<RecordPartnerResponse> context)
    {
        await caller.RequireActingForAsync(context, context.Message.Partner ?? string.Empty);
        var command = RecordResponseSlice.Normalise(context.Message, ClientIds.Of(context));
        (await handler.HandleAsync(slice, command, Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
    }
}
