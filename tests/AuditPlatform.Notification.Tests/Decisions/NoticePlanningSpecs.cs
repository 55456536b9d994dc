using AuditPlatform.Contracts;
using AuditPlatform.Notification.Notices.Planning;
using AuditPlatform.Notification.Partners;
using AuditPlatform.ServiceDefaults.Commands;
using NoticeCreated = AuditPlatform.Notification.Ledger.NoticeCreated;

namespace AuditPlatform.Notification.Tests.Decisions;

public class NoticePlanningSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    // High differs from the shipped defaults, so the specs show each severity is read on its own.
    private static readonly BreachRespondWithin RespondWithin = new(
        Low: TimeSpan.FromHours(4), Medium: TimeSpan.FromHours(4), High: TimeSpan.FromHours(72), Critical: TimeSpan.FromHours(24));

    private static DisclosureRecorded Disclosure(params string[] recipients) => new()
    {
        DisclosureId = Guid.Parse("8a0c1f4e-7a43-4c55-9f21-7e1f3b9d2a10"),
        Originator = "UK-GMP",
        Title = "Crime scene photographs",
        Classification = Classifications.Secret,
        Caveats = ["UK-EYES-ONLY-UNTIL-RELEASE"],
        Recipients = [.. recipients.Select(r => new RecipientFingerprint { Partner = r, Fingerprint = "fp-" + r })],
        SharedBy = "GMP liaison",
        OccurredAt = new DateTimeOffset(2017, 5, 23, 8, 0, 0, TimeSpan.Zero),
    };

    private static BreachReported Breach(string severity, string? attributed = null, DateTimeOffset? occurredAt = null) => new()
    {
        BreachId = Guid.Parse("1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5"),
        DisclosureId = Guid.Parse("8a0c1f4e-7a43-4c55-9f21-7e1f3b9d2a10"),
        Fingerprint = attributed is null ? null : "fp-" + attributed,
        Outlet = "New York Times",
        ObservedAt = new DateTimeOffset(2017, 5, 24, 18, 0, 0, TimeSpan.Zero),
        Severity = severity,
        Description = "Photographs published",
        ReportedBy = "GMP",
        ExposureSet = ["US-DHS", "US-FBI"],
        AttributedPartner = attributed,
        Classification = Classifications.Secret,
        Caveats = ["UK-EYES-ONLY-UNTIL-RELEASE"],
        OccurredAt = occurredAt ?? new DateTimeOffset(2017, 5, 24, 18, 0, 0, TimeSpan.Zero),
    };

    private static readonly OpenHandlingNoticeSlice Handling = new();
    private static readonly OpenBreachNoticeSlice Breaches = new(RespondWithin);

    private static List<NoticeCreated> PlanHandling(DisclosureRecorded disclosure, IReadOnlyDictionary<string, PartnerChannel> partners, long? sequence, DateTimeOffset now) =>
        [.. disclosure.Recipients.SelectMany(r => Handling.Decide(new OpenHandlingNotice(disclosure, r, sequence), null, partners.GetValueOrDefault(r.Partner), new CommandContext(now, "h")).Events).Cast<NoticeCreated>()];

    private static List<NoticeCreated> PlanBreach(BreachReported breach, DateTimeOffset now) =>
        [.. OpenBreachNotice.For(breach).SelectMany(c => Breaches.Decide(c, null, new CommandContext(now, "h")).Events).Cast<NoticeCreated>()];

    private static PartnerChannel Suspended(string code, long since) => new() { Id = code, Kind = ChannelKinds.Bus, Suspended = true, SuspendedSinceSequence = since };

    [Fact]
    public void A_disclosure_to_two_partners_plans_one_handling_notice_each_with_that_partners_fingerprint()
    {
        var notices = PlanHandling(Disclosure("US-FBI", "US-DHS"), new Dictionary<string, PartnerChannel>(), 10, Now);

        Assert.Equal(["US-FBI", "US-DHS"], notices.Select(n => n.Partner));
        Assert.Equal(["fp-US-FBI", "fp-US-DHS"], notices.Select(n => n.Fingerprint));
        Assert.All(notices, n =>
        {
            Assert.Equal(NoticeKinds.Handling, n.Kind);
            Assert.Equal(Classifications.Secret, n.Classification);
            Assert.Equal(["UK-EYES-ONLY-UNTIL-RELEASE"], n.Caveats);
            Assert.Equal("Crime scene photographs", n.Title);
            Assert.Null(n.BreachId);
            Assert.Equal(Now, n.OccurredAt);
        });
        Assert.NotEqual(notices[0].NoticeId, notices[1].NoticeId);
    }

    [Fact]
    public void Planning_the_same_disclosure_again_names_the_same_notices()
    {
        var first = PlanHandling(Disclosure("US-FBI"), new Dictionary<string, PartnerChannel>(), 10, Now);
        var again = PlanHandling(Disclosure("US-FBI"), new Dictionary<string, PartnerChannel>(), 10, Now.AddHours(1));

        Assert.Equal(first[0].NoticeId, again[0].NoticeId);
    }

    [Fact]
    public void A_notice_already_opened_is_not_opened_again_and_a_withheld_one_is_refused()
    {
        var disclosure = Disclosure("US-DHS");
        var command = new OpenHandlingNotice(disclosure, disclosure.Recipients[0], 10);
        var opened = Handling.Decide(command, null, null, new CommandContext(Now, "h"));
        var existing = Handling.Evolve(null, opened.Events[0]);

        var again = Handling.Decide(command, existing, null, new CommandContext(Now.AddHours(1), "h"));
        var withheld = Handling.Decide(command, null, Suspended("US-DHS", since: 5), new CommandContext(Now, "h"));

        Assert.Equal(Verdict.Accepted, opened.Verdict);
        Assert.Equal(command.NoticeId, existing!.NoticeId);
        Assert.Equal(Verdict.AlreadyDone, again.Verdict);
        Assert.Equal(Verdict.Refused, withheld.Verdict);
        Assert.Equal("sharing-suspended", withheld.Refusal!.ProblemType);
        Assert.Empty(withheld.Events);
    }

    [Fact]
    public void Notice_ids_are_name_based_uuids_that_differ_by_kind_source_and_partner()
    {
        var source = Guid.Parse("8a0c1f4e-7a43-4c55-9f21-7e1f3b9d2a10");
        var id = NoticeIds.For(NoticeKinds.Handling, source, "US-FBI");

        Assert.Equal(id, NoticeIds.For(NoticeKinds.Handling, source, "US-FBI"));
        Assert.Equal(8, id.Version);
        Assert.Equal('8', id.ToString("D")[14]);
        Assert.Contains(id.ToString("D")[19], "89ab");
        Assert.NotEqual(id, NoticeIds.For(NoticeKinds.Breach, source, "US-FBI"));
        Assert.NotEqual(id, NoticeIds.For(NoticeKinds.Handling, source, "US-DHS"));
        Assert.NotEqual(id, NoticeIds.For(NoticeKinds.Handling, Guid.NewGuid(), "US-FBI"));
    }

    [Fact]
    public void A_partner_suspended_before_the_disclosure_reached_the_ledger_gets_no_handling_notice()
    {
        var partners = new Dictionary<string, PartnerChannel> { ["US-DHS"] = Suspended("US-DHS", since: 5) };

        var notices = PlanHandling(Disclosure("US-FBI", "US-DHS"), partners, 10, Now);

        Assert.Equal(["US-FBI"], notices.Select(n => n.Partner));
    }

    [Fact]
    public void A_disclosure_recorded_before_the_suspension_still_tells_its_recipient_the_caveats()
    {
        var partners = new Dictionary<string, PartnerChannel> { ["US-DHS"] = Suspended("US-DHS", since: 12) };

        var notices = PlanHandling(Disclosure("US-DHS"), partners, 10, Now);

        Assert.Equal(["US-DHS"], notices.Select(n => n.Partner));
    }

    [Fact]
    public void Without_ledger_sequences_a_suspended_partner_is_withheld()
    {
        Assert.True(OpenHandlingNoticeSlice.Withheld(Suspended("US-DHS", since: 5), null));
        Assert.True(OpenHandlingNoticeSlice.Withheld(new PartnerChannel { Id = "US-DHS", Suspended = true }, 10));
        Assert.False(OpenHandlingNoticeSlice.Withheld(new PartnerChannel { Id = "US-DHS" }, null));
        Assert.False(OpenHandlingNoticeSlice.Withheld(null, 10));
    }

    [Fact]
    public void A_breach_without_attribution_notifies_every_partner_of_the_exposure_set()
    {
        var notices = PlanBreach(Breach(Severities.Low), Now);

        Assert.Equal(["US-DHS", "US-FBI"], notices.Select(n => n.Partner));
        Assert.All(notices, n =>
        {
            Assert.Equal(NoticeKinds.Breach, n.Kind);
            Assert.Equal(Guid.Parse("1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5"), n.BreachId);
            Assert.Equal("New York Times", n.Outlet);
            Assert.False(n.Attributed);
            Assert.Null(n.Fingerprint);
        });
    }

    [Fact]
    public void A_breach_attributed_by_fingerprint_notifies_only_the_attributed_partner()
    {
        var notices = PlanBreach(Breach(Severities.Medium, attributed: "US-FBI"), Now);

        var notice = Assert.Single(notices);
        Assert.Equal("US-FBI", notice.Partner);
        Assert.True(notice.Attributed);
    }

    [Theory]
    [InlineData("low", 4)]
    [InlineData("medium", 4)]
    [InlineData("critical", 24)]
    [InlineData("high", 72)]
    public void The_breach_notice_states_the_respond_within_of_its_severity(string severity, int hours)
    {
        var reportedAt = Now.AddMinutes(5);

        var notice = PlanBreach(Breach(severity, occurredAt: reportedAt), Now)[0];

        Assert.Equal(reportedAt.AddHours(hours), notice.RespondBy);
    }

    [Fact]
    public void A_back_dated_breach_report_runs_its_deadline_from_now()
    {
        var notice = PlanBreach(Breach(Severities.Critical), Now)[0];

        Assert.Equal(Now.AddHours(24), notice.RespondBy);
    }

    [Fact]
    public void A_breach_notice_goes_to_a_suspended_partner_too()
    {
        // Breach planning does not even look at suspension: a suspended partner must still answer.
        var notices = PlanBreach(Breach(Severities.Critical, attributed: "US-DHS"), Now);

        Assert.Equal("US-DHS", Assert.Single(notices).Partner);
    }
}
