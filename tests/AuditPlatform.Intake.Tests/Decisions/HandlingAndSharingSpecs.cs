using AuditPlatform.Contracts;
using AuditPlatform.Intake.Intelligence;
using AuditPlatform.Intake.Partners;
using AuditPlatform.Intake.Partners.Sharing;
using AuditPlatform.ServiceDefaults.Commands;
using Stored = AuditPlatform.Intake.Ledger;

namespace AuditPlatform.Intake.Tests.Decisions;

public class HandlingAndSharingSpecs
{
    private static readonly DateTimeOffset Assessed = new(2017, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Within = TimeSpan.FromHours(8);

    private static IntelligenceItem Item(bool pressing)
    {
        var id = Guid.NewGuid();
        Stored.IntelligenceEvent[] history =
        [
            new Stored.IntelligenceReceived(id, "agent", "report", Assessed.AddHours(-1), "h"),
            new Stored.IntelligenceAssessed(id, "desk officer", true, pressing, HandlingRules.ReportDue(pressing, Assessed, Within), Assessed),
        ];
        return history.Aggregate((IntelligenceItem?)null, IntelligenceHistory.Evolve)!;
    }

    [Fact]
    public void A_pressing_concern_is_due_within_the_report_deadline_and_others_are_not_due()
    {
        Assert.Equal(Assessed + Within, Item(pressing: true).ReportDue);
        Assert.Null(Item(pressing: false).ReportDue);
    }

    [Fact]
    public void An_overdue_report_is_missed_once_at_its_deadline()
    {
        var item = Item(pressing: true);

        Assert.Null(HandlingRules.MissAt(item, Assessed + Within));
        var missed = HandlingRules.MissAt(item, Assessed + Within + TimeSpan.FromSeconds(1));
        Assert.NotNull(missed);
        Assert.Equal(Assessed + Within, missed.Deadline);
        Assert.Null(HandlingRules.MissAt(IntelligenceHistory.Evolve(item, missed)!, Assessed.AddDays(3)));
    }

    [Fact]
    public void A_report_in_time_stops_the_clock()
    {
        var item = IntelligenceHistory.Evolve(Item(pressing: true), new Stored.IntelligenceReported(Guid.Empty, "author", Assessed.AddHours(2)))!;

        Assert.Null(HandlingRules.MissAt(item, Assessed.AddDays(1)));
        Assert.False(item.AwaitingReport);
    }

    [Fact]
    public void A_late_report_records_the_miss_with_when_it_was_written()
    {
        var late = HandlingRules.LateReport(Item(pressing: true), Assessed.AddHours(30));

        Assert.NotNull(late);
        Assert.Equal(Assessed.AddHours(30), late.ReportedAt);
        Assert.Null(HandlingRules.LateReport(Item(pressing: true), Assessed.AddHours(7)));
    }

    private static Partner Partner(bool suspended = false) => new()
    {
        Id = Partners.Partner.StreamFor("US-DHS"),
        Code = "US-DHS",
        Name = "DHS",
        Country = "US",
        ChannelKind = ChannelKinds.Bus,
        Sharing = suspended ? Partners.Partner.Suspended : Partners.Partner.Active,
    };

    [Fact]
    public void Suspending_records_the_reason_and_case_and_repeating_it_records_nothing()
    {
        var caseId = Guid.NewGuid();
        var command = new SuspendSharing { Partner = "US-DHS", By = "policy", Reason = "leak", CaseId = caseId };
        var slice = new SuspendSharingSlice();
        var suspended = Assert.IsType<Stored.SharingSuspended>(Assert.Single(slice.Decide(command, Partner(), new CommandContext(Assessed, "h")).Events));
        var state = PartnerHistory.Evolve(Partner(), suspended)!;

        Assert.True(state.IsSuspended);
        Assert.Equal(caseId, state.CaseId);
        Assert.Equal(Verdict.AlreadyDone, slice.Decide(command, state, new CommandContext(Assessed, "h")).Verdict);
    }

    [Fact]
    public void Restoring_an_active_partner_records_nothing_and_an_unknown_partner_is_invalid()
    {
        var restore = new RestoreSharing { Partner = "US-DHS", By = "operator", Reason = "assured" };

        var slice = new RestoreSharingSlice();
        var at = new CommandContext(Assessed, "h");

        Assert.Equal(Verdict.AlreadyDone, slice.Decide(restore, Partner(), at).Verdict);
        Assert.IsType<Stored.SharingRestored>(Assert.Single(slice.Decide(restore, Partner(suspended: true), at).Events));
        var unknown = slice.Decide(restore, null, at);
        Assert.Equal("unknown-partner", unknown.Refusal!.ProblemType);
        Assert.Empty(unknown.Events);
    }
}
