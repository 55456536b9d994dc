using AuditPlatform.Notification.Ledger;
using AuditPlatform.ServiceDefaults.Commands;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>An attempt to deliver a notice failed; <paramref name="RetryAfter"/> null means no attempt is left.</summary>
public sealed record RecordFailedAttempt(Guid NoticeId, int Attempt, string Error, TimeSpan? RetryAfter);

/// <summary>The partner's channel took the notice (the broker confirmed it, or the webhook answered 2xx).</summary>
public sealed record RecordNoticeDelivered(Guid NoticeId, string Channel, int Attempt);

/// <summary>
/// A failed attempt and when the next one is due, so a restart resumes the schedule where the ledger says. Once the
/// notice is settled (acknowledged, delivered by another replica, or failed) a late failure changes nothing.
/// </summary>
public sealed class RecordFailedAttemptSlice : CommandSlice<RecordFailedAttempt, Notice, NoticeEvent>
{
    public override string StreamFor(RecordFailedAttempt command) => Notice.StreamFor(command.NoticeId);

    public override Decision<NoticeEvent> Decide(RecordFailedAttempt command, Notice? state, CommandContext context) => state switch
    {
        null => Decision<NoticeEvent>.Refuse(Refusal.NotFound("notice", command.NoticeId.ToString())),
        { Status: not NoticeStatuses.Pending } => Decision<NoticeEvent>.AlreadyDone,
        _ => Decision<NoticeEvent>.Accept(new NoticeDeliveryFailed(
            state.NoticeId, state.Partner, command.Attempt, command.Error, context.Now + command.RetryAfter, context.Now)),
    };

    public override Notice? Evolve(Notice? state, NoticeEvent change) => NoticeHistory.Evolve(state, change);
}

/// <summary>
/// A delivery, recorded once per notice: a second one (another replica raced this one) is already done. It is still
/// recorded after an early acknowledgement, since the partner did receive it.
/// </summary>
public sealed class RecordNoticeDeliveredSlice : CommandSlice<RecordNoticeDelivered, Notice, NoticeEvent>
{
    public override string StreamFor(RecordNoticeDelivered command) => Notice.StreamFor(command.NoticeId);

    public override Decision<NoticeEvent> Decide(RecordNoticeDelivered command, Notice? state, CommandContext context) => state switch
    {
        null => Decision<NoticeEvent>.Refuse(Refusal.NotFound("notice", command.NoticeId.ToString())),
        { DeliveredAt: not null } => Decision<NoticeEvent>.AlreadyDone,
        _ => Decision<NoticeEvent>.Accept(new PartnerNotified(
            state.NoticeId, state.Partner, state.Kind, state.DisclosureId, state.BreachId, command.Channel, state.Fingerprint, command.Attempt, context.Now)),
    };

    public override Notice? Evolve(Notice? state, NoticeEvent change) => NoticeHistory.Evolve(state, change);
}
