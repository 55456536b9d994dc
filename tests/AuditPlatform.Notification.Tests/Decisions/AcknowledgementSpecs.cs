using AuditPlatform.Contracts;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Notices.Acknowledging;
using AuditPlatform.ServiceDefaults.Messaging;
using NoticeAcknowledged = AuditPlatform.Notification.Ledger.NoticeAcknowledged;
using PartnerNotified = AuditPlatform.Notification.Ledger.PartnerNotified;

namespace AuditPlatform.Notification.Tests.Decisions;

public class AcknowledgementSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("3b0f8c1e-2d4a-8e6f-9a1b-2c3d4e5f6a7b");

    private static Notice Delivered() => new[]
    {
        (object)new NoticeCreated(Id, "US-FBI", NoticeKinds.Handling, Guid.NewGuid(), null, Classifications.Secret, [], "Title", "fp", null, null, null, null, null, null, Now),
        new PartnerNotified(Id, "US-FBI", NoticeKinds.Handling, Guid.NewGuid(), null, ChannelKinds.Bus, "fp", 1, Now),
    }.Aggregate((Notice?)null, NoticeHistory.Evolve)!;

    private static AcknowledgeNotice Command(string partner = "US-FBI", DateTimeOffset? at = null) => new() { NoticeId = Id, Partner = partner, By = "duty officer", OccurredAt = at };

    [Fact]
    public void The_notices_partner_acknowledges_it_at_the_time_it_says_or_now()
    {
        var (outcome, recorded) = AcknowledgeNoticeDecision.Decide(Command(), Delivered(), Now);
        var (_, backDated) = AcknowledgeNoticeDecision.Decide(Command(at: Now.AddHours(-1)), Delivered(), Now);

        Assert.Equal(new NoticeAcknowledged(Id, "US-FBI", "duty officer", Now), recorded);
        Assert.Equal(Now.AddHours(-1), backDated!.OccurredAt);
        var acknowledged = Assert.IsType<AcknowledgementOutcome.Acknowledged>(outcome);
        Assert.False(acknowledged.Replayed);
        Assert.Equal(NoticeStatuses.Acknowledged, acknowledged.Notice.Status);
    }

    [Fact]
    public void Another_partner_cannot_acknowledge_it()
    {
        var (outcome, recorded) = AcknowledgeNoticeDecision.Decide(Command("US-DHS"), Delivered(), Now);

        Assert.IsType<AcknowledgementOutcome.OtherPartner>(outcome);
        Assert.Null(recorded);
    }

    [Fact]
    public void A_second_acknowledgement_answers_with_the_first_and_records_nothing()
    {
        var once = NoticeHistory.Evolve(Delivered(), new NoticeAcknowledged(Id, "US-FBI", "first", Now))!;

        var (outcome, recorded) = AcknowledgeNoticeDecision.Decide(Command(), once, Now.AddHours(1));

        Assert.Null(recorded);
        var replay = Assert.IsType<AcknowledgementOutcome.Acknowledged>(outcome);
        Assert.True(replay.Replayed);
        Assert.Equal("first", replay.Notice.AcknowledgedBy);
    }

    [Fact]
    public void An_unknown_notice_cannot_be_acknowledged()
    {
        var (outcome, recorded) = AcknowledgeNoticeDecision.Decide(Command(), null, Now);

        Assert.IsType<AcknowledgementOutcome.UnknownNotice>(outcome);
        Assert.Null(recorded);
    }

    [Fact]
    public void An_acknowledgement_without_who_or_with_a_bad_partner_code_is_invalid()
    {
        var invalid = Assert.Throws<InvalidCommandException>(() => AcknowledgeNoticeDecision.Validate(new AcknowledgeNotice { NoticeId = Guid.Empty, Partner = "us fbi", By = " " }));

        Assert.Equal(["noticeId", "partner", "by"], invalid.Errors.Keys);
    }
}
