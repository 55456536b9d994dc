using System.Security.Claims;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices.Reading;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Notices.Acknowledging;

/// <summary>The HTTP body of <c>POST /notifications/{id}/ack</c>.</summary>
public sealed record AcknowledgeBody(string? By, DateTimeOffset? OccurredAt);

/// <summary>
/// A partner acknowledges a notice it was sent. Acknowledging is naturally idempotent: a second acknowledgement
/// answers with the first and records nothing. Only the notice's own partner may acknowledge it.
/// </summary>
public sealed class AcknowledgeNoticeSlice : CommandSlice<Contract.AcknowledgeNotice, Notice, NoticeEvent>
{
    public override string StreamFor(Contract.AcknowledgeNotice command) => Notice.StreamFor(command.NoticeId);

    public override void Validate(Contract.AcknowledgeNotice command, FieldErrors errors)
    {
        if (command.NoticeId == Guid.Empty)
        {
            errors.Add("noticeId", "is required.");
        }

        errors.PartnerCode("partner", command.Partner);
        errors.Text("by", command.By, 200);
        errors.Happened("occurredAt", command.OccurredAt, required: false);
    }

    public override Decision<NoticeEvent> Decide(Contract.AcknowledgeNotice command, Notice? state, CommandContext context)
    {
        if (state is null)
        {
            return Decision<NoticeEvent>.Refuse(new Refusal(RefusalKind.NotFound, "unknown-notice", "Unknown notice.", "Unknown notice.")
            {
                Errors = new Dictionary<string, string[]> { ["noticeId"] = [$"'{command.NoticeId}' is not a notice."] },
            });
        }

        if (!string.Equals(state.Partner, command.Partner, StringComparison.Ordinal))
        {
            return Decision<NoticeEvent>.Refuse(new Refusal(RefusalKind.Unusable, "other-partner", "Not this partner's notice.", "Not this partner's notice.")
            {
                Errors = new Dictionary<string, string[]> { ["partner"] = [$"notice '{state.NoticeId}' was not sent to '{command.Partner}'."] },
            });
        }

        return state.AcknowledgedAt is not null
            ? Decision<NoticeEvent>.AlreadyDone
            : Decision<NoticeEvent>.Accept(new NoticeAcknowledged(state.NoticeId, state.Partner, command.By, command.OccurredAt?.ToUniversalTime() ?? context.Now));
    }

    public override Notice? Evolve(Notice? state, NoticeEvent change) => NoticeHistory.Evolve(state, change);
}

public static class AcknowledgeNoticeEndpoint
{
    public static async Task<IResult> Handle(
        Guid id, AcknowledgeBody? body, ClaimsPrincipal user, IQuerySession query, CommandHandler handler, AcknowledgeNoticeSlice slice, CancellationToken cancellationToken)
    {
        // The path names the notice, not the partner: the partner is the notice's own, and only its integrator may act.
        var notice = await query.LoadAsync<Notice>(Notice.StreamFor(id), cancellationToken);
        if (notice is null)
        {
            return HttpOutcomes.Problem(handler.Refuse(slice.Name, Transports.Http, Refusal.NotFound("notice", id.ToString())));
        }

        if (!user.MayActFor(notice.Partner))
        {
            return HttpOutcomes.Problem(handler.Refuse(slice.Name, Transports.Http, Refusal.Forbidden("An integrator may acknowledge only its own partner's notices.")));
        }

        var command = new Contract.AcknowledgeNotice { NoticeId = id, Partner = notice.Partner, By = body?.By!, OccurredAt = body?.OccurredAt };
        var outcome = await handler.HandleAsync(slice, command, Transports.Http, cancellationToken);
        return outcome.ToHttp(acknowledged => TypedResults.Ok(NoticeView.From(acknowledged)));
    }

    public static void MapAcknowledgeNotice(this IEndpointRouteBuilder app) =>
        app.MapPost("/notifications/{id:guid}/ack", Handle).AcceptsQuery().RequireAuthorization(Policies.OperateOrIntegrate).WithTags("Notifications")
            .WithSummary("Acknowledge a notice: the integrator of the notice's partner, or an operator.")
            .Produces<NoticeView>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem();
}

/// <summary>
/// The bus face of the same slice. The sender's token must allow acting for the partner named, and that partner
/// must be the notice's.
/// </summary>
public sealed class AcknowledgeNoticeConsumer(CommandHandler handler, AcknowledgeNoticeSlice slice, BusCaller caller) : IConsumer<Contract.AcknowledgeNotice>
{
    public async Task Consume(ConsumeContext<Contract.AcknowledgeNotice> context)
    {
        await caller.RequireActingForAsync(context, context.Message.Partner ?? string.Empty);
        (await handler.HandleAsync(slice, context.Message, Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
    }
}
