using AuditPlatform.Contracts;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Notices.Delivery;
using AuditPlatform.ServiceDefaults.Commands;
using NoticeAcknowledged = AuditPlatform.Notification.Ledger.NoticeAcknowledged;
using PartnerNotified = AuditPlatform.Notification.Ledger.PartnerNotified;

namespace AuditPlatform.Notification.Tests.Decisions;

public class NoticeHistorySpecs
{
    private static readonly DateTimeOffset Created = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("3b0f8c1e-2d4a-8e6f-9a1b-2c3d4e5f6a7b");
    private static readonly Guid DisclosureId = Guid.Parse("8a0c1f4e-7a43-4c55-9f21-7e1f3b9d2a10");

    private static Notice? Fold(params NoticeEvent[] events) => events.Aggregate((Notice?)null, NoticeHistory.Evolve);

    private static NoticeCreated NoticeCreated() => new(
        Id, "US-FBI", NoticeKinds.Handling, DisclosureId, null, Classifications.Secret, [], "Title", "fp", null, null, null, null, null, null, Created);

    private static NoticeDeliveryFailed Failed(int attempt, DateTimeOffset? next) => new(Id, "US-FBI", attempt, "503", next, Created.AddSeconds(attempt));

    private static PartnerNotified Delivered(int attempt) => new(Id, "US-FBI", NoticeKinds.Handling, DisclosureId, null, ChannelKinds.Webhook, "fp", attempt, Created.AddMinutes(1));

    private static NoticeAcknowledged Acknowledged() => new(Id, "US-FBI", "duty officer", Created.AddMinutes(2));

    [Fact]
    public void A_new_notice_is_pending_and_due_at_once()
    {
        var notice = Fold(NoticeCreated())!;

        Assert.Equal(NoticeStatuses.Pending, notice.Status);
        Assert.Equal(Created, notice.NextAttemptAt);
        Assert.Equal(0, notice.Attempts);
        Assert.Equal(Notice.StreamFor(Id), notice.Id);
    }

    [Fact]
    public void A_failed_attempt_with_a_next_time_keeps_the_notice_pending_until_then()
    {
        var notice = Fold(NoticeCreated(), Failed(1, Created.AddSeconds(30)))!;

        Assert.Equal(NoticeStatuses.Pending, notice.Status);
        Assert.Equal(1, notice.Attempts);
        Assert.Equal(Created.AddSeconds(30), notice.NextAttemptAt);
        Assert.Equal("503", notice.LastError);
    }

    [Fact]
    public void A_failed_attempt_without_a_next_time_fails_the_notice()
    {
        var notice = Fold(NoticeCreated(), Failed(1, Created.AddSeconds(1)), Failed(2, null))!;

        Assert.Equal(NoticeStatuses.Failed, notice.Status);
        Assert.Null(notice.NextAttemptAt);
        Assert.Equal(2, notice.Attempts);
    }

    [Fact]
    public void A_delivered_then_acknowledged_notice_is_settled()
    {
        var notice = Fold(NoticeCreated(), Failed(1, Created.AddSeconds(1)), Delivered(2), Acknowledged())!;

        Assert.Equal(NoticeStatuses.Acknowledged, notice.Status);
        Assert.Equal(2, notice.Attempts);
        Assert.Equal(ChannelKinds.Webhook, notice.Channel);
        Assert.Equal("duty officer", notice.AcknowledgedBy);
        Assert.Null(notice.NextAttemptAt);
    }

    [Fact]
    public void An_acknowledgement_that_overtakes_the_delivery_record_stays_acknowledged()
    {
        var notice = Fold(NoticeCreated(), Acknowledged(), Delivered(1))!;

        Assert.Equal(NoticeStatuses.Acknowledged, notice.Status);
        Assert.NotNull(notice.DeliveredAt);
    }

    private static readonly CommandContext Context = new(Created.AddMinutes(5), "h");

    [Fact]
    public void Only_a_pending_notice_takes_further_attempts_but_a_delivery_is_recorded_after_an_early_acknowledgement()
    {
        var pending = Fold(NoticeCreated());
        var acknowledged = Fold(NoticeCreated(), Acknowledged());
        var delivered = Fold(NoticeCreated(), Delivered(1));
        var failure = new RecordFailedAttempt(Id, 1, "503", TimeSpan.FromSeconds(2));
        var delivery = new RecordNoticeDelivered(Id, ChannelKinds.Bus, 1);
        var failedAttempt = new RecordFailedAttemptSlice();
        var deliveredSlice = new RecordNoticeDeliveredSlice();

        Assert.Equal(Verdict.Accepted, failedAttempt.Decide(failure, pending, Context).Verdict);
        Assert.Equal(Verdict.Accepted, deliveredSlice.Decide(delivery, pending, Context).Verdict);
        Assert.Equal(Verdict.AlreadyDone, failedAttempt.Decide(failure, acknowledged, Context).Verdict);
        Assert.Equal(Verdict.Accepted, deliveredSlice.Decide(delivery, acknowledged, Context).Verdict);
        Assert.Equal(Verdict.AlreadyDone, deliveredSlice.Decide(delivery with { Attempt = 2 }, delivered, Context).Verdict);
        Assert.Equal(RefusalKind.NotFound, deliveredSlice.Decide(delivery, null, Context).Refusal?.Kind);
    }

    [Fact]
    public void A_failed_attempt_is_due_again_after_the_wait_polly_chose_and_the_last_one_fails_the_notice()
    {
        var pending = Fold(NoticeCreated());
        var slice = new RecordFailedAttemptSlice();

        var retried = Assert.IsType<NoticeDeliveryFailed>(Assert.Single(slice.Decide(new RecordFailedAttempt(Id, 1, "503", TimeSpan.FromSeconds(2)), pending, Context).Events));
        var last = Assert.IsType<NoticeDeliveryFailed>(Assert.Single(slice.Decide(new RecordFailedAttempt(Id, 6, "503", null), pending, Context).Events));

        Assert.Equal(new NoticeDeliveryFailed(Id, "US-FBI", 1, "503", Context.Now.AddSeconds(2), Context.Now), retried);
        Assert.Null(last.NextAttemptAt);
        Assert.Equal(NoticeStatuses.Failed, Fold(NoticeCreated(), last)!.Status);
    }

    [Fact]
    public void A_delivery_is_recorded_with_the_channel_and_attempt_and_what_the_notice_said()
    {
        var delivered = Assert.IsType<PartnerNotified>(Assert.Single(new RecordNoticeDeliveredSlice().Decide(new RecordNoticeDelivered(Id, ChannelKinds.Webhook, 3), Fold(NoticeCreated()), Context).Events));

        Assert.Equal(new PartnerNotified(Id, "US-FBI", NoticeKinds.Handling, DisclosureId, null, ChannelKinds.Webhook, "fp", 3, Context.Now), delivered);
    }
}
