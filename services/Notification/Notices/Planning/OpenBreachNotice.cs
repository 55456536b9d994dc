using AuditPlatform.Notification.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>A reported breach calls for a breach notice to one partner.</summary>
public sealed record OpenBreachNotice(Contract.BreachReported Breach, string Partner)
{
    public Guid NoticeId => NoticeIds.For(Contract.NoticeKinds.Breach, Breach.BreachId, Partner);

    /// <summary>
    /// The attributed partner when a fingerprint names one, otherwise every partner of the exposure set; suspended
    /// partners included, since they must answer.
    /// </summary>
    public static IEnumerable<OpenBreachNotice> For(Contract.BreachReported breach) =>
        (breach.AttributedPartner is { } attributed ? [attributed] : breach.ExposureSet.Distinct(StringComparer.Ordinal)).Select(p => new OpenBreachNotice(breach, p));
}

/// <summary>A breach notice, stating the response deadline of the level Escalation opens a case of this severity at.</summary>
public sealed class OpenBreachNoticeSlice(BreachRespondWithin respondWithin) : CommandSlice<OpenBreachNotice, Notice, NoticeEvent>
{
    public override string StreamFor(OpenBreachNotice command) => Notice.StreamFor(command.NoticeId);

    public override Decision<NoticeEvent> Decide(OpenBreachNotice command, Notice? state, CommandContext context)
    {
        if (state is not null)
        {
            return Decision<NoticeEvent>.AlreadyDone;
        }

        var breach = command.Breach;
        return Decision<NoticeEvent>.Accept(new NoticeCreated(
            command.NoticeId, command.Partner, Contract.NoticeKinds.Breach, breach.DisclosureId, breach.BreachId, breach.Classification, breach.Caveats, null, null,
            breach.Severity, breach.Outlet, breach.Description, breach.ObservedAt, breach.AttributedPartner is not null, RespondBy(breach, respondWithin, context.Now), context.Now));
    }

    /// <summary>
    /// The case opens when the breach is reported, so the clock runs from the report (its occurredAt), or from
    /// now when the report is back-dated: a deadline already in the past could not be met.
    /// </summary>
    public static DateTimeOffset RespondBy(Contract.BreachReported breach, BreachRespondWithin respondWithin, DateTimeOffset now)
    {
        var from = breach.OccurredAt > now ? breach.OccurredAt : now;
        return from + respondWithin.For(breach.Severity);
    }

    public override Notice? Evolve(Notice? state, NoticeEvent change) => NoticeHistory.Evolve(state, change);
}

/// <summary>A reported breach: a breach notice to the attributed partner, or to each partner that held the item.</summary>
public sealed class BreachReportedConsumer(CommandHandler handler, OpenBreachNoticeSlice slice, PlannedNotices planned) : IConsumer<Contract.BreachReported>
{
    public Task Consume(ConsumeContext<Contract.BreachReported> context) =>
        planned.OpenAsync(handler, slice, nameof(BreachReportedConsumer), context, Contract.NoticeKinds.Breach, OpenBreachNotice.For(context.Message));
}
