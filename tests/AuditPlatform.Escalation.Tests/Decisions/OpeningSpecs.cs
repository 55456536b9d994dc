using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Opening;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using static AuditPlatform.Escalation.Tests.Decisions.Ladder;

namespace AuditPlatform.Escalation.Tests.Decisions;

public class OpeningSpecs
{
    [Fact]
    public void A_breach_opens_a_case_at_the_policy_level_for_its_severity_with_the_level_deadline()
    {
        var decision = Decide(Breach("high"), null);

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        var opened = Assert.IsType<CaseOpened>(Assert.Single(decision.Events));
        Assert.Equal((1, "operational", "breach"), (opened.Level, opened.LevelName, opened.Kind));
        Assert.Equal(Now.AddHours(4), opened.Deadline);
        Assert.Equal(["US-DOS"], opened.Partners);
        Assert.False(opened.AssuranceBroken);
        var state = Fold(null, decision.Events)!;
        Assert.Equal(EscalationCase.Open, state.Status);
        Assert.True(state.ClockRuns);
    }

    [Fact]
    public void A_critical_breach_starts_at_the_agency_level_and_runs_its_on_enter_action_for_every_partner()
    {
        var events = Decide(Breach("critical", ["US-DOS", "US-FBI"]), null).Events;

        Assert.Equal(2, Assert.IsType<CaseOpened>(events[0]).Level);
        var suspensions = events.OfType<SharingSuspensionRequested>().ToList();
        Assert.Equal(["US-DOS", "US-FBI"], suspensions.Select(s => s.Partner));
        Assert.All(suspensions, s => Assert.Equal((CaseId, CaseLadder.PolicyActor), (s.CaseId!.Value, s.By)));
    }

    [Fact]
    public void A_case_opening_above_several_suspending_levels_asks_once_per_partner()
    {
        var policy = Ladder.Policy with
        {
            Levels = [.. Ladder.Policy.Levels.Select(l => l.Level == 3 ? l with { OnEnter = ["suspendSharing"] } : l)],
            StartLevel = new Dictionary<string, int> { ["critical"] = 3 },
        };
        var context = new CommandContext(Now, "spec");

        var events = new OpenBreachCaseSlice(policy).Decide(Breach("critical", ["US-DOS", "US-FBI"]), null, AssurancesOnRecord.None, context).Events;

        Assert.Equal(3, Assert.IsType<CaseOpened>(events[0]).Level);
        Assert.Equal(["US-DOS", "US-FBI"], events.OfType<SharingSuspensionRequested>().Select(s => s.Partner));
    }

    [Fact]
    public void A_redelivered_breach_opens_nothing_more()
    {
        var state = Given(Breach());

        Nothing(Decide(Breach(), state));
    }

    [Fact]
    public void The_case_id_is_derived_from_the_breach_so_every_replica_names_the_same_case()
    {
        Assert.Equal(EscalationCase.ForBreach(BreachId), EscalationCase.ForBreach(BreachId));
        Assert.NotEqual(EscalationCase.ForBreach(BreachId), EscalationCase.ForItem(BreachId));
        Assert.Equal(8, EscalationCase.ForBreach(BreachId).Version);
    }

    [Fact]
    public void A_missed_handling_deadline_opens_a_handling_delay_case_at_the_first_level_once()
    {
        var itemId = Guid.NewGuid();
        var command = new OpenHandlingDelayCase(EscalationCase.ForItem(itemId), itemId, "GCHQ", Now.AddHours(-1));

        var events = Decide(command, null).Events;
        var opened = Assert.IsType<CaseOpened>(Assert.Single(events));
        Assert.Equal(("handling-delay", 1, itemId), (opened.Kind, opened.Level, opened.ItemId!.Value));
        Assert.Empty(opened.Partners);
        Nothing(Decide(command, Fold(null, events)));
    }

    [Theory]
    [InlineData("acknowledge")]
    [InlineData("assign")]
    [InlineData("note")]
    [InlineData("escalate")]
    [InlineData("resolve")]
    [InlineData("raise")]
    [InlineData("respond")]
    public void Anything_but_opening_is_refused_as_not_found_for_a_case_that_does_not_exist(string what)
    {
        var refusal = Refused(Decide(OperatorSpecs.Command(what, CaseId), null));

        Assert.Equal((RefusalKind.NotFound, "not-found"), (refusal.Kind, refusal.ProblemType));
    }
}
