using AuditPlatform.Contracts;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Notices.Acknowledging;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using NoticeAcknowledged = AuditPlatform.Notification.Ledger.NoticeAcknowledged;
using PartnerNotified = AuditPlatform.Notification.Ledger.PartnerNotified;

namespace AuditPlatform.Notification.Tests.Decisions;

public class AcknowledgementSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.Parse("3b0f8c1e-2d4a-8e6f-9a1b-2c3d4e5f6a7b");

    private static readonly AcknowledgeNoticeSlice Slice = new();

    private static CommandContext At(DateTimeOffset now) => new(now, "h");

    private static Notice Delivered() => new NoticeEvent[]
    {
        new NoticeCreated(Id, "US-FBI", NoticeKinds.Handling, Guid.NewGuid(), null, Classifications.Secret, [], "Title", "fp", null, null, null, null, null, null, Now),
        new PartnerNotified(Id, "US-FBI", NoticeKinds.Handling, Guid.NewGuid(), null, ChannelKinds.Bus, "fp", 1, Now),
    }.Aggregate((Notice?)null, NoticeHistory.Evolve)!;

    private static AcknowledgeNotice Command(string partner = "US-FBI", DateTimeOffset? at = null) => new() { NoticeId = Id, Partner = partner, By = "duty officer", OccurredAt = at };

    [Fact]
    public void The_notices_partner_acknowledges_it_at_the_time_it_says_or_now()
    {
        var decision = Slice.Decide(Command(), Delivered(), At(Now));
        var backDated = Slice.Decide(Command(at: Now.AddHours(-1)), Delivered(), At(Now));

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        var recorded = Assert.IsType<NoticeAcknowledged>(Assert.Single(decision.Events));
        Assert.Equal(new NoticeAcknowledged(Id, "US-FBI", "duty officer", Now), recorded);
        Assert.Equal(Now.AddHours(-1), Assert.IsType<NoticeAcknowledged>(Assert.Single(backDated.Events)).OccurredAt);
        Assert.Equal(NoticeStatuses.Acknowledged, Slice.Evolve(Delivered(), recorded)!.Status);
    }

    [Fact]
    public void Another_partner_cannot_acknowledge_it()
    {
        var decision = Slice.Decide(Command("US-DHS"), Delivered(), At(Now));

        Assert.Equal(Verdict.Refused, decision.Verdict);
        Assert.Equal("other-partner", decision.Refusal!.ProblemType);
        Assert.Equal(["partner"], decision.Refusal.Errors.Keys);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void A_second_acknowledgement_answers_with_the_first_and_records_nothing()
    {
        var once = NoticeHistory.Evolve(Delivered(), new NoticeAcknowledged(Id, "US-FBI", "first", Now))!;

        var decision = Slice.Decide(Command(), once, At(Now.AddHours(1)));

        Assert.Equal(Verdict.AlreadyDone, decision.Verdict);
        Assert.Empty(decision.Events);
        Assert.Equal("first", once.AcknowledgedBy);
    }

    [Fact]
    public void An_unknown_notice_cannot_be_acknowledged()
    {
        var decision = Slice.Decide(Command(), null, At(Now));

        Assert.Equal(Verdict.Refused, decision.Verdict);
        Assert.Equal("unknown-notice", decision.Refusal!.ProblemType);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void An_acknowledgement_without_who_or_with_a_bad_partner_code_is_invalid()
    {
        var errors = new FieldErrors();

        Slice.Validate(new AcknowledgeNotice { NoticeId = Guid.Empty, Partner = "us fbi", By = " " }, errors);

        Assert.Equal(["noticeId", "partner", "by"], errors.ToDictionary().Keys);
    }
}
