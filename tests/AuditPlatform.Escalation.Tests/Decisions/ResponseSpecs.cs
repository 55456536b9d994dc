using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Acknowledging;
using AuditPlatform.Escalation.Cases.Reading;
using AuditPlatform.Escalation.Cases.Resolving;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using static AuditPlatform.Escalation.Tests.Decisions.Ladder;

namespace AuditPlatform.Escalation.Tests.Decisions;

public class ResponseSpecs
{
    [Theory]
    [InlineData(ResponseKinds.Assurance)]
    [InlineData(ResponseKinds.Remediation)]
    public void An_adequate_response_stops_the_clock_and_marks_the_case_responded(string kind)
    {
        var state = Given(Breach(), new AcknowledgeCase(CaseId, "op"));

        var decision = Decide(DeadlineSpecs.Respond(kind), state);

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        var events = decision.Events;
        var received = Assert.IsType<ResponseReceived>(Assert.Single(events));
        Assert.True(received.Adequate);
        Assert.Equal(1, received.Level);
        var after = Fold(state, events)!;
        Assert.Equal(EscalationCase.Responded, after.Status);
        Assert.False(after.ClockRuns);
        Assert.Null(CaseView.From(after).Deadline);
    }

    [Theory]
    [InlineData(ResponseKinds.Denial)]
    [InlineData(ResponseKinds.Acknowledgement)]
    public void A_response_the_policy_does_not_deem_adequate_is_recorded_and_the_clock_runs_on(string kind)
    {
        var state = Given(Breach());

        var events = Decide(DeadlineSpecs.Respond(kind), state).Events;

        Assert.False(Assert.IsType<ResponseReceived>(Assert.Single(events)).Adequate);
        var after = Fold(state, events)!;
        Assert.Equal(EscalationCase.Open, after.Status);
        Assert.True(after.ClockRuns);
    }

    [Fact]
    public void The_same_response_twice_is_recorded_once()
    {
        var response = DeadlineSpecs.Respond(ResponseKinds.Assurance);
        var state = Given(Breach(), response);

        Nothing(Decide(response, state));
    }

    [Fact]
    public void A_response_to_a_resolved_case_changes_nothing_and_is_not_refused()
    {
        var state = Given(Breach(), new ResolveCase(CaseId, "op", "settled", false));

        Nothing(Decide(DeadlineSpecs.Respond(ResponseKinds.Assurance), state));
    }

    [Fact]
    public void The_level_at_which_an_assurance_is_accepted_is_the_case_level_when_it_arrives()
    {
        var state = Given(Breach("critical"));

        var received = Assert.IsType<ResponseReceived>(Assert.Single(Decide(DeadlineSpecs.Respond(ResponseKinds.Assurance, validUntil: Now.AddYears(1), scope: ["secret"]), state).Events));

        Assert.Equal(2, received.Level);
        Assert.Equal(Now.AddYears(1), received.ValidUntil);
        Assert.Equal(["secret"], received.Scope);
    }
}
