using AuditPlatform.Notification.Ledger;
using AuditPlatform.ServiceDefaults.Commands;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>
/// Records the outcomes of concurrent delivery runs through the notice streams' group commit: outcomes that wait while
/// the writers are busy share a transaction, each still its own command on its own stream with the stream's version
/// check, and an outcome whose stream moved meanwhile (an acknowledgement, another replica) is decided again on the
/// stream as it is then. One writer alone had capped delivery at one batch per transaction time (under load, 128 or 256
/// notices a second whatever the machine had left; docs/performance.md).
/// </summary>
public sealed class DeliveryRecorder(GroupCommit<Notice> notices, RecordFailedAttemptSlice failedAttempt, RecordNoticeDeliveredSlice delivered)
{
    /// <summary>Records a failed attempt; the verdict is <see cref="Verdict.AlreadyDone"/> when the notice was settled meanwhile.</summary>
    public Task<Verdict> FailedAsync(RecordFailedAttempt command) => RecordAsync(failedAttempt, command, command.NoticeId);

    /// <summary>Records a delivery; the verdict is <see cref="Verdict.AlreadyDone"/> when another run recorded it first.</summary>
    public Task<Verdict> DeliveredAsync(RecordNoticeDelivered command) => RecordAsync(delivered, command, command.NoticeId);

    private async Task<Verdict> RecordAsync<TCommand>(CommandSlice<TCommand, Notice, NoticeEvent, NoFacts> slice, TCommand command, Guid noticeId)
        where TCommand : notnull
    {
        var verdict = Verdict.Refused;
        await notices.SubmitAsync([Notice.StreamFor(noticeId)], async (handler, ct) =>
        {
            var decision = (await handler.StageAsync(slice, command, Transports.Timer, ct)).Decision;
            return () =>
            {
                handler.Count(slice.Name, Transports.Timer, decision);
                verdict = decision.Verdict;
            };
        });
        return verdict;
    }
}
