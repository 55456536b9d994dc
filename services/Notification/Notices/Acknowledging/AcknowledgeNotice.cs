using System.Security.Claims;
using AuditPlatform.Notification.Notices.Reading;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;
using Stored = AuditPlatform.Notification.Ledger;

namespace AuditPlatform.Notification.Notices.Acknowledging;

/// <summary>The HTTP body of <c>POST /notifications/{id}/ack</c>.</summary>
public sealed record AcknowledgeBody(string? By, DateTimeOffset? OccurredAt);

/// <summary>What became of an acknowledgement.</summary>
public abstract record AcknowledgementOutcome
{
    public sealed record Acknowledged(Notice Notice, bool Replayed) : AcknowledgementOutcome;

    public sealed record UnknownNotice(Guid NoticeId) : AcknowledgementOutcome;

    public sealed record OtherPartner(Guid NoticeId, string Partner) : AcknowledgementOutcome;
}

public static class AcknowledgeNoticeDecision
{
    public static void Validate(Contract.AcknowledgeNotice command)
    {
        var errors = new FieldErrors();
        if (command.NoticeId == Guid.Empty)
        {
            errors.Add("noticeId", "is required.");
        }

        errors.PartnerCode("partner", command.Partner);
        errors.Text("by", command.By, 200);
        errors.Time("occurredAt", command.OccurredAt, required: false);
        errors.ThrowIfAny();
    }

    /// <summary>
    /// The decision, with no I/O. Acknowledging is naturally idempotent: a second acknowledgement answers with the
    /// first and records nothing. Only the notice's own partner may acknowledge it.
    /// </summary>
    public static (AcknowledgementOutcome Outcome, Stored.NoticeAcknowledged? Event) Decide(Contract.AcknowledgeNotice command, Notice? notice, DateTimeOffset now)
    {
        if (notice is null)
        {
            return (new AcknowledgementOutcome.UnknownNotice(command.NoticeId), null);
        }

        if (!string.Equals(notice.Partner, command.Partner, StringComparison.Ordinal))
        {
            return (new AcknowledgementOutcome.OtherPartner(notice.NoticeId, command.Partner), null);
        }

        if (notice.AcknowledgedAt is not null)
        {
            return (new AcknowledgementOutcome.Acknowledged(notice, Replayed: true), null);
        }

        var acknowledged = new Stored.NoticeAcknowledged(notice.NoticeId, notice.Partner, command.By, command.OccurredAt?.ToUniversalTime() ?? now);
        return (new AcknowledgementOutcome.Acknowledged(NoticeHistory.Evolve(notice, acknowledged)!, Replayed: false), acknowledged);
    }
}

/// <summary>The one handler behind <c>POST /notifications/{id}/ack</c> and the <see cref="Contract.AcknowledgeNotice"/> consumer.</summary>
public sealed class AcknowledgementDesk(IDocumentSession session, TimeProvider clock)
{
    public async Task<AcknowledgementOutcome> AcknowledgeAsync(Contract.AcknowledgeNotice command, CancellationToken cancellationToken)
    {
        AcknowledgeNoticeDecision.Validate(command);
        var stream = await session.Events.FetchForWriting<Notice>(Notice.StreamFor(command.NoticeId), cancellationToken);
        var (outcome, acknowledged) = AcknowledgeNoticeDecision.Decide(command, stream.Aggregate, clock.GetUtcNow());
        if (acknowledged is not null)
        {
            stream.AppendOne(acknowledged);
            await session.SaveChangesAsync(cancellationToken);
        }

        return outcome;
    }
}

public static class AcknowledgeNoticeEndpoint
{
    public static async Task<IResult> Handle(Guid id, AcknowledgeBody? body, ClaimsPrincipal user, IQuerySession query, AcknowledgementDesk desk, CancellationToken cancellationToken)
    {
        // The path names the notice, not the partner: the partner is the notice's own, and only its integrator may act.
        var notice = await query.LoadAsync<Notice>(Notice.StreamFor(id), cancellationToken);
        if (notice is null)
        {
            return Problems.NotFound("notice", id.ToString());
        }

        if (!user.MayActFor(notice.Partner))
        {
            PlatformMetrics.Rejected(nameof(Contract.AcknowledgeNotice), "http", "forbidden");
            return Problems.Forbidden("An integrator may acknowledge only its own partner's notices.");
        }

        try
        {
            var command = new Contract.AcknowledgeNotice { NoticeId = id, Partner = notice.Partner, By = body?.By!, OccurredAt = body?.OccurredAt };
            switch (await desk.AcknowledgeAsync(command, cancellationToken))
            {
                case AcknowledgementOutcome.Acknowledged { Replayed: true } replay:
                    return TypedResults.Ok(NoticeView.From(replay.Notice));
                case AcknowledgementOutcome.Acknowledged acknowledged:
                    PlatformMetrics.Accepted(nameof(Contract.AcknowledgeNotice), "http");
                    return TypedResults.Ok(NoticeView.From(acknowledged.Notice));
                default:
                    return Problems.NotFound("notice", id.ToString());
            }
        }
        catch (InvalidCommandException invalid)
        {
            PlatformMetrics.Rejected(nameof(Contract.AcknowledgeNotice), "http", invalid.ProblemType);
            return Problems.From(invalid);
        }
    }

    public static void MapAcknowledgeNotice(this IEndpointRouteBuilder app) =>
        app.MapPost("/notifications/{id:guid}/ack", Handle).AcceptsQuery().RequireAuthorization(Policies.OperateOrIntegrate).WithTags("Notifications")
            .WithSummary("Acknowledge a notice: the integrator of the notice's partner, or an operator.")
            .Produces<NoticeView>().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem();
}

/// <summary>
/// The bus face of the same desk. The sender's token must allow acting for the partner named, and that partner
/// must be the notice's.
/// </summary>
public sealed class AcknowledgeNoticeConsumer(AcknowledgementDesk desk, BusCaller caller) : IConsumer<Contract.AcknowledgeNotice>
{
    public async Task Consume(ConsumeContext<Contract.AcknowledgeNotice> context)
    {
        await caller.RequireActingForAsync(context, context.Message.Partner ?? string.Empty);
        switch (await desk.AcknowledgeAsync(context.Message, context.CancellationToken))
        {
            case AcknowledgementOutcome.UnknownNotice unknown:
                throw new InvalidCommandException("unknown-notice", "Unknown notice.", new Dictionary<string, string[]> { ["noticeId"] = [$"'{unknown.NoticeId}' is not a notice."] });
            case AcknowledgementOutcome.OtherPartner other:
                throw new InvalidCommandException("other-partner", "Not this partner's notice.", new Dictionary<string, string[]> { ["partner"] = [$"notice '{other.NoticeId}' was not sent to '{other.Partner}'."] });
            case AcknowledgementOutcome.Acknowledged { Replayed: false }:
                PlatformMetrics.Accepted(nameof(Contract.AcknowledgeNotice), "bus");
                break;
        }
    }
}
