using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Acknowledging;
using AuditPlatform.Escalation.Cases.Raising;
using AuditPlatform.Escalation.Cases.Resolving;
using AuditPlatform.Escalation.Cases.Responding;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.Testing;
using static AuditPlatform.Escalation.Tests.Decisions.Ladder;

namespace AuditPlatform.Escalation.Tests.Decisions;

public class DeadlineSpecs
{
    private static readonly RaiseOnDeadline Raise = new(CaseId);

    [Fact]
    public void Before_the_deadline_nothing_is_raised()
    {
        var state = Given(Breach());

        Nothing(Decide(Raise, state, state.Deadline.AddTicks(-1)));
    }

    [Fact]
    public void At_the_deadline_without_a_response_the_case_rises_one_level_and_runs_the_new_level_on_enter()
    {
        var state = Given(Breach());

        var decision = Decide(Raise, state, state.Deadline);

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        var events = decision.Events;
        var raised = Assert.IsType<CaseRaised>(events[0]);
        Assert.Equal((1, 2, "agency", CaseLadder.PolicyActor), (raised.FromLevel, raised.Level, raised.LevelName, raised.By));
        Assert.Equal(state.Deadline.AddHours(24), raised.Deadline);
        Assert.Equal("US-DOS", Assert.IsType<SharingSuspensionRequested>(Assert.Single(events.Skip(1))).Partner);
        var after = Fold(state, events)!;
        Assert.Equal((2, "agency"), (after.Level, after.LevelName));
        Assert.Equal(["opened", "raised", "suspension requested"], after.History.Select(h => h.What));
    }

    [Fact]
    public void A_level_without_on_enter_actions_is_raised_to_without_suspending()
    {
        var state = Given(Breach());
        state = Fold(state, Decide(Raise, state, state.Deadline).Events)!;

        var events = Decide(Raise, state, state.Deadline).Events;

        Assert.Equal(3, Assert.IsType<CaseRaised>(Assert.Single(events)).Level);
    }

    [Fact]
    public void The_top_level_is_never_raised_past()
    {
        var state = Given(Breach("critical"));
        for (var i = 0; i < 2; i++)
        {
            state = Fold(state, Decide(Raise, state, state.Deadline).Events)!;
        }

        Assert.Equal(4, state.Level);
        Nothing(Decide(Raise, state, state.Deadline.AddDays(30)));
    }

    [Fact]
    public void An_acknowledged_case_still_rises_the_clock_stops_only_for_an_adequate_response()
    {
        var state = Given(Breach(), new AcknowledgeCase(CaseId, "duty officer"));

        Assert.Single(Decide(Raise, state, state.Deadline).Events.OfType<CaseRaised>());
    }

    [Fact]
    public void A_responded_case_is_not_raised()
    {
        var state = Given(Breach(), Respond(ResponseKinds.Assurance));

        Nothing(Decide(Raise, state, state.Deadline.AddDays(1)));
    }

    [Fact]
    public void A_resolved_case_is_not_raised_and_the_sweep_is_not_refused()
    {
        var state = Given(Breach(), new ResolveCase(CaseId, "op", "done", false));

        Nothing(Decide(Raise, state, state.Deadline.AddDays(1)));
    }

    [Fact]
    public void The_ladder_these_specs_use_is_the_deployed_policy()
    {
        var deployed = EscalationPolicy.Load(PlatformFixture.RepositoryFile(EscalationPolicy.DefaultPath));

        Assert.Equal(Describe(deployed), Describe(Ladder.Policy));
    }

    private static string Describe(EscalationPolicy policy) =>
        string.Join("; ", policy.Levels.Select(l => $"{l.Level} {l.Name} {l.RespondWithin} [{string.Join(",", l.OnEnter)}]"))
        + $" | {string.Join(",", policy.StartLevel.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"))} | {string.Join(",", policy.ResolvingResponses)}";

    internal static RecordResponse Respond(string kind, Guid? id = null, DateTimeOffset? validUntil = null, IReadOnlyList<string>? scope = null) =>
        new(CaseId, id ?? Guid.NewGuid(), "US-DOS", kind, "We'll do whatever we can to honour that.", "US Ambassador", validUntil, scope, Now);
}
