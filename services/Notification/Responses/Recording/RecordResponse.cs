using System.Security.Claims;
using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;
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

/// <summary>What became of a response command.</summary>
public abstract record ResponseOutcome
{
    public sealed record Recorded(ResponseReceipt Receipt, bool Replayed) : ResponseOutcome;

    public sealed record ClientIdConflict(Guid ResponseId) : ResponseOutcome;
}

public static class RecordResponseDecision
{
    public const int MaxScope = 50;

    public static RecordPartnerResponse Normalise(RecordPartnerResponse command, Guid fallbackId) => command with
    {
        ResponseId = command.ResponseId ?? fallbackId,
        OccurredAt = command.OccurredAt.ToUniversalTime(),
        ValidUntil = command.ValidUntil?.ToUniversalTime(),
    };

    public static void Validate(RecordPartnerResponse command)
    {
        var errors = new FieldErrors();
        errors.Id("responseId", command.ResponseId);
        errors.PartnerCode("partner", command.Partner);
        errors.Id("breachId", command.BreachId);
        errors.Id("caseId", command.CaseId);
        errors.OneOf("kind", command.Kind, ResponseKinds.All);
        errors.Text("statement", command.Statement, 4000);
        errors.Text("respondent", command.Respondent, 200);
        errors.Time("occurredAt", command.OccurredAt);
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

        errors.ThrowIfAny();
    }

    /// <summary>The decision, with no I/O: record, replay the original answer, or report a client id conflict.</summary>
    public static (ResponseOutcome Outcome, Stored.DiplomaticResponseRecorded? Event) Decide(RecordPartnerResponse command, string requestSha256, DiplomaticResponse? existing)
    {
        var id = command.ResponseId!.Value;
        if (existing is not null)
        {
            return Idempotency.Decide(existing.Recorded.RequestSha256, requestSha256) == ClientIdOutcome.Replay
                ? (new ResponseOutcome.Recorded(new ResponseReceipt(id), Replayed: true), null)
                : (new ResponseOutcome.ClientIdConflict(id), null);
        }

        var recorded = new Stored.DiplomaticResponseRecorded(id, command.Partner, command.BreachId, command.CaseId, command.Kind, command.Statement,
            command.Respondent, command.ValidUntil, command.Scope, command.OccurredAt, requestSha256);
        return (new ResponseOutcome.Recorded(new ResponseReceipt(id), Replayed: false), recorded);
    }
}

/// <summary>The one handler behind <c>POST /responses</c> and the <see cref="RecordPartnerResponse"/> consumer.</summary>
public sealed class ResponseDesk(IDocumentSession session)
{
    public async Task<ResponseOutcome> RecordAsync(RecordPartnerResponse command, CancellationToken cancellationToken)
    {
        RecordResponseDecision.Validate(command);
        var hash = Idempotency.RequestHash(command);
        var stream = await session.Events.FetchForWriting<DiplomaticResponse>(DiplomaticResponse.StreamFor(command.ResponseId!.Value), cancellationToken);
        var (outcome, recorded) = RecordResponseDecision.Decide(command, hash, stream.Aggregate);
        if (recorded is not null)
        {
            stream.AppendOne(recorded);
            await session.SaveChangesAsync(cancellationToken);
        }

        return outcome;
    }
}

public static class RecordResponseEndpoint
{
    public static async Task<IResult> Handle(RecordResponseBody body, ClaimsPrincipal user, ResponseDesk desk, CancellationToken cancellationToken)
    {
        var command = RecordResponseDecision.Normalise(body.ToCommand(), Guid.CreateVersion7());
        if (!user.MayActFor(command.Partner ?? string.Empty))
        {
            PlatformMetrics.Rejected(nameof(RecordPartnerResponse), "http", "forbidden");
            return Problems.Forbidden("An integrator may respond only for its own partner.");
        }

        try
        {
            switch (await desk.RecordAsync(command, cancellationToken))
            {
                case ResponseOutcome.Recorded { Replayed: true } replay:
                    return TypedResults.Ok(replay.Receipt);
                case ResponseOutcome.Recorded recorded:
                    PlatformMetrics.Accepted(nameof(RecordPartnerResponse), "http");
                    return TypedResults.Created($"/responses/{recorded.Receipt.ResponseId}", recorded.Receipt);
                case ResponseOutcome.ClientIdConflict conflict:
                    PlatformMetrics.Rejected(nameof(RecordPartnerResponse), "http", "client-id-conflict");
                    return Problems.ClientIdConflict("responseId", conflict.ResponseId);
                default:
                    throw new InvalidOperationException("Unknown outcome.");
            }
        }
        catch (InvalidCommandException invalid)
        {
            PlatformMetrics.Rejected(nameof(RecordPartnerResponse), "http", invalid.ProblemType);
            return Problems.From(invalid);
        }
    }

    public static void MapRecordResponse(this IEndpointRouteBuilder app) =>
        app.MapPost("/responses", Handle).AcceptsQuery().RequireAuthorization(Policies.OperateOrIntegrate).WithTags("Responses")
            .WithSummary("Record a partner's diplomatic response to a breach or case; published for Escalation.")
            .Produces<ResponseReceipt>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).ProducesValidationProblem();
}

/// <summary>
/// The bus face of the same desk: the sender's token must allow acting for the responding partner; without a client
/// id, the message id is the client id, so redelivery has one effect.
/// </summary>
public sealed class RecordPartnerResponseConsumer(ResponseDesk desk, BusCaller caller) : IConsumer<RecordPartnerResponse>
{
    public async Task Consume(ConsumeContext<RecordPartnerResponse> context)
    {
        await caller.RequireActingForAsync(context, context.Message.Partner ?? string.Empty);
        var command = RecordResponseDecision.Normalise(context.Message, ClientIds.Of(context));
        switch (await desk.RecordAsync(command, context.CancellationToken))
        {
            case ResponseOutcome.ClientIdConflict conflict:
                throw new InvalidCommandException("client-id-conflict", $"responseId '{conflict.ResponseId}' was already used for a different request.", new Dictionary<string, string[]>());
            case ResponseOutcome.Recorded { Replayed: false }:
                PlatformMetrics.Accepted(nameof(RecordPartnerResponse), "bus");
                break;
        }
    }
}
