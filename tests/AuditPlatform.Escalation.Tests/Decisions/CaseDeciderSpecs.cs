using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Deciding;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Policy;
using AuditPlatform.Testing;

namespace AuditPlatform.Escalation.Tests.Decisions;

/// <summary>Given a case's events, when a command, then events or a refusal; no database.</summary>
public sealed class CaseDeciderSpecs
{
    private static readonly EscalationPolicy Policy = EscalationPolicy.Load(PlatformFixture.RepositoryFile("deploy/policy/escalation.json"));
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid BreachId = Guid.Parse("6a4c1c1e-0000-4000-8000-000000000001");
    private static readonly Guid CaseId = EscalationCase.ForBreach(BreachId);

    private static OpenBreachCase Breach(string severity = Severities.High, string partner = "US-FBI", DateTimeOffset? observedAt = null, string classification = Classifications.Secret, string[]? caveats = null, params AssuranceInForce[] assurances) =>
        new(CaseId, BreachId, [partner], severity, classification, caveats ?? ["UK-EYES-ONLY"], observedAt ?? T0, "high leak at outlet", assurances);

    private static EscalationCase? Given(params object[] events) => events.Aggregate((EscalationCase?)null, CaseDecider.Evolve);

    private static IReadOnlyList<object> Then(CaseCommand command, EscalationCase? state, DateTimeOffset? now = null)
    {
        var (events, refusal) = CaseDecider.Decide(command, state, Policy, now ?? T0);
        Assert.Null(refusal);
        return events;
    }

    private static CaseRefusal Refused(CaseCommand command, EscalationCase? state)
    {
        var (events, refusal) = CaseDecider.Decide(command, state, Policy, T0);
        Assert.Empty(events);
        return Assert.IsType<CaseRefusal>(refusal);
    }

    private static EscalationCase Opened(string severity = Severities.High) => Given([.. Then(Breach(severity), null)])!;

    private static EscalationCase After(EscalationCase state, CaseCommand command, DateTimeOffset? now = null) =>
        Then(command, state, now).Aggregate((EscalationCase?)state, CaseDecider.Evolve)!;

    [Fact]
    public void A_breach_opens_its_case_at_the_policy_level_for_its_severity_with_the_deadline_of_that_level()
    {
        var opened = Assert.IsType<CaseOpened>(Assert.Single(Then(Breach(), null)));
        Assert.Equal((CaseId, CaseKinds.Breach, 1, "operational", T0.AddHours(4), false), (opened.CaseId, opened.Kind, opened.Level, opened.LevelName, opened.Deadline, opened.AssuranceBroken));
        Assert.Equal(["US-FBI"], opened.Partners);
    }

    [Fact]
    public void A_critical_breach_opens_at_level_two_and_runs_its_suspension()
    {
        var events = Then(Breach(Severities.Critical), null);
        Assert.Equal(2, Assert.IsType<CaseOpened>(events[0]).Level);
        var suspend = Assert.IsType<SharingSuspensionRequested>(events[1]);
        Assert.Equal(("US-FBI", CaseId, CaseDecider.PolicyActor), (suspend.Partner, suspend.CaseId, suspend.By));
    }

    [Fact]
    public void A_redelivered_breach_does_not_open_a_second_case()
    {
        Assert.Empty(Then(Breach(), Opened()));
        Assert.Equal(EscalationCase.ForBreach(BreachId), EscalationCase.ForBreach(BreachId));
        Assert.NotEqual(EscalationCase.ForBreach(BreachId), EscalationCase.ForItem(BreachId));
    }

    [Fact]
    public void A_missed_handling_deadline_opens_a_handling_delay_case_at_the_first_level()
    {
        var itemId = Guid.NewGuid();
        var opened = Assert.IsType<CaseOpened>(Assert.Single(Then(new OpenHandlingDelayCase(EscalationCase.ForItem(itemId), itemId, "MI5", T0), null)));
        Assert.Equal((CaseKinds.HandlingDelay, itemId, 1), (opened.Kind, opened.ItemId, opened.Level));
        Assert.Empty(opened.Partners);
        Assert.Empty(Then(new OpenHandlingDelayCase(opened.CaseId, itemId, "MI5", T0), Given(opened)));
    }

    [Fact]
    public void Before_the_deadline_nothing_is_raised()
    {
        Assert.Empty(Then(new RaiseOnDeadline(CaseId), Opened(), T0.AddHours(4).AddTicks(-1)));
    }

    [Fact]
    public void At_the_deadline_the_case_rises_a_level_and_runs_the_new_levels_suspension()
    {
        var events = Then(new RaiseOnDeadline(CaseId), Opened(), T0.AddHours(4));
        var raised = Assert.IsType<CaseRaised>(events[0]);
        Assert.Equal((1, 2, "agency", T0.AddHours(28), CaseDecider.PolicyActor), (raised.FromLevel, raised.Level, raised.LevelName, raised.Deadline, raised.By));
        Assert.Equal("US-FBI", Assert.IsType<SharingSuspensionRequested>(Assert.Single(events.Skip(1))).Partner);
    }

    [Fact]
    public void An_acknowledged_case_still_rises_at_its_deadline()
    {
        var acknowledged = After(Opened(), new Acknowledge(CaseId, "duty officer"));
        Assert.IsType<CaseRaised>(Then(new RaiseOnDeadline(CaseId), acknowledged, T0.AddHours(5))[0]);
    }

    [Fact]
    public void At_the_top_of_the_ladder_a_passed_deadline_raises_nothing_and_escalating_by_hand_is_refused()
    {
        var state = Opened();
        for (var i = 0; i < 3; i++)
        {
            state = After(state, new EscalateByHand(CaseId, "duty officer", "serious"));
        }

        Assert.Equal(4, state.Level);
        Assert.Empty(Then(new RaiseOnDeadline(CaseId), state, T0.AddDays(30)));
        Assert.Equal(CaseDecider.AtTopLevel, Refused(new EscalateByHand(CaseId, "duty officer", "more"), state));
    }

    [Fact]
    public void An_adequate_response_stops_the_clock_and_marks_the_case_responded()
    {
        var responseId = Guid.NewGuid();
        var responded = After(Opened(), new RecordResponse(CaseId, responseId, "US-FBI", ResponseKinds.Assurance, "It will not recur", "Ambassador", T0.AddDays(90), ["secret"], T0));
        Assert.Equal(EscalationCase.Responded, responded.Status);
        Assert.Empty(Then(new RaiseOnDeadline(CaseId), responded, T0.AddDays(2)));
        Assert.Null(Cases.Reading.CaseView.From(responded).Deadline);
    }

    [Fact]
    public void An_inadequate_response_is_recorded_but_the_clock_runs_on()
    {
        var denial = Then(new RecordResponse(CaseId, Guid.NewGuid(), "US-FBI", ResponseKinds.Denial, "Not us", "Ambassador", null, null, T0), Opened());
        var received = Assert.IsType<ResponseReceived>(Assert.Single(denial));
        Assert.False(received.Adequate);
        var state = Given([.. Then(Breach(), null), received])!;
        Assert.Equal(EscalationCase.Open, state.Status);
        Assert.IsType<CaseRaised>(Then(new RaiseOnDeadline(CaseId), state, T0.AddHours(4))[0]);
    }

    [Fact]
    public void The_same_response_delivered_twice_is_recorded_once_and_a_resolved_case_takes_no_response()
    {
        var response = new RecordResponse(CaseId, Guid.NewGuid(), "US-FBI", ResponseKinds.Remediation, "Staff retrained", "Attaché", null, null, T0);
        var once = After(Opened(), response);
        Assert.Empty(Then(response, once));
        var resolved = After(Opened(), new Resolve(CaseId, "duty officer", "settled", false));
        Assert.Empty(Then(response with { ResponseId = Guid.NewGuid() }, resolved));
    }

    [Fact]
    public void The_assurance_level_is_the_case_level_when_it_was_given()
    {
        var raised = After(Opened(), new RaiseOnDeadline(CaseId), T0.AddHours(4));
        var received = Assert.IsType<ResponseReceived>(Assert.Single(Then(new RecordResponse(CaseId, Guid.NewGuid(), "US-FBI", ResponseKinds.Assurance, "never again", "Ambassador", null, null, T0), raised)));
        Assert.Equal(2, received.Level);
    }

    [Fact]
    public void Acknowledging_records_who_once_and_keeps_a_responded_status()
    {
        var acknowledged = After(Opened(), new Acknowledge(CaseId, "duty officer"));
        Assert.Equal((true, "duty officer", EscalationCase.Acknowledged), (acknowledged.IsAcknowledged, acknowledged.AcknowledgedBy, acknowledged.Status));
        Assert.Empty(Then(new Acknowledge(CaseId, "someone else"), acknowledged));
        var responded = After(Opened(), new RecordResponse(CaseId, Guid.NewGuid(), "US-FBI", ResponseKinds.Assurance, "ok", "A", null, null, T0));
        Assert.Equal(EscalationCase.Responded, After(responded, new Acknowledge(CaseId, "duty officer")).Status);
    }

    [Fact]
    public void Assigning_names_the_assignee_and_repeating_it_changes_nothing()
    {
        var assigned = After(Opened(), new Assign(CaseId, "lead", "analyst-7"));
        Assert.Equal("analyst-7", assigned.Assignee);
        Assert.Empty(Then(new Assign(CaseId, "lead", "analyst-7"), assigned));
        Assert.Equal("analyst-9", After(assigned, new Assign(CaseId, "lead", "analyst-9")).Assignee);
    }

    [Fact]
    public void Escalating_by_hand_raises_one_level_with_who_and_why()
    {
        var raised = Assert.IsType<CaseRaised>(Then(new EscalateByHand(CaseId, "duty officer", "press interest"), Opened())[0]);
        Assert.Equal((2, "duty officer", "press interest", T0.AddHours(24)), (raised.Level, raised.By, raised.Reason, raised.Deadline));
    }

    [Fact]
    public void A_note_is_kept_in_the_history()
    {
        var noted = After(Opened(), new Note(CaseId, "duty officer", "called the embassy"));
        Assert.Equal(("noted", "duty officer", "called the embassy"), (noted.History[^1].What, noted.History[^1].By, noted.History[^1].Detail));
    }

    [Fact]
    public void Resolving_closes_the_case_and_restores_sharing_only_when_asked()
    {
        var plain = Then(new Resolve(CaseId, "duty officer", "settled", false), Opened());
        Assert.IsType<CaseResolved>(Assert.Single(plain));
        var restoring = Then(new Resolve(CaseId, "duty officer", "settled", true), Opened());
        Assert.True(Assert.IsType<CaseResolved>(restoring[0]).RestoreSharing);
        Assert.Equal("US-FBI", Assert.IsType<SharingRestorationRequested>(restoring[1]).Partner);
        Assert.Equal(EscalationCase.Resolved, Given([.. Then(Breach(), null), .. plain])!.Status);
    }

    [Fact]
    public void Every_operator_action_on_a_resolved_case_is_refused_as_resolved()
    {
        var resolved = After(Opened(), new Resolve(CaseId, "duty officer", "settled", false));
        CaseCommand[] actions =
        [
            new Acknowledge(CaseId, "x"), new Assign(CaseId, "x", "y"), new EscalateByHand(CaseId, "x", "r"), new Note(CaseId, "x", "t"), new Resolve(CaseId, "x", "r", true),
        ];
        Assert.All(actions, a => Assert.Equal(CaseDecider.AlreadyResolved, Refused(a, resolved)));
        Assert.Equal(409, CaseDecider.AlreadyResolved.Status);
        Assert.Empty(Then(new RaiseOnDeadline(CaseId), resolved, T0.AddDays(9)));
    }

    [Fact]
    public void Every_command_but_opening_is_refused_for_a_case_that_does_not_exist()
    {
        CaseCommand[] commands =
        [
            new Acknowledge(CaseId, "x"), new Assign(CaseId, "x", "y"), new EscalateByHand(CaseId, "x", "r"), new Note(CaseId, "x", "t"),
            new Resolve(CaseId, "x", "r", true), new RaiseOnDeadline(CaseId),
            new RecordResponse(CaseId, Guid.NewGuid(), "US-FBI", ResponseKinds.Assurance, "s", "r", null, null, T0),
        ];
        Assert.All(commands, c => Assert.Equal(CaseDecider.NotFound, Refused(c, null)));
    }

    [Fact]
    public void A_breach_within_an_assurance_in_force_opens_one_level_above_where_it_was_accepted()
    {
        var assurance = new AssuranceInForce(Guid.NewGuid(), "US-FBI", 2, T0.AddDays(30), ["secret"]);
        var events = Then(Breach(assurances: assurance), null);
        var opened = Assert.IsType<CaseOpened>(events[0]);
        Assert.Equal((3, "ministerial", true, assurance.ResponseId), (opened.Level, opened.LevelName, opened.AssuranceBroken, opened.BrokenAssuranceId));
    }

    [Fact]
    public void An_assurance_at_the_top_level_keeps_a_broken_case_at_the_top()
    {
        var assurance = new AssuranceInForce(Guid.NewGuid(), "US-FBI", 4, null, null);
        Assert.Equal(4, Assert.IsType<CaseOpened>(Then(Breach(assurances: assurance), null)[0]).Level);
    }

    [Fact]
    public void A_breach_after_validUntil_outside_the_scope_or_by_another_partner_breaks_no_assurance()
    {
        var assurance = new AssuranceInForce(Guid.NewGuid(), "US-FBI", 2, T0.AddDays(30), ["secret", "NOFORN"]);
        OpenBreachCase[] unbroken =
        [
            Breach(observedAt: T0.AddDays(31), assurances: assurance),
            Breach(classification: Classifications.TopSecret, caveats: ["UK-EYES-ONLY"], assurances: assurance),
            Breach(partner: "US-DHS", assurances: assurance),
        ];
        Assert.All(unbroken, b =>
        {
            var opened = Assert.IsType<CaseOpened>(Then(b, null)[0]);
            Assert.Equal((1, false, (Guid?)null), (opened.Level, opened.AssuranceBroken, opened.BrokenAssuranceId));
        });
        Assert.True(Assert.IsType<CaseOpened>(Then(Breach(classification: Classifications.TopSecret, caveats: ["NOFORN"], assurances: assurance), null)[0]).AssuranceBroken);
        Assert.True(Assert.IsType<CaseOpened>(Then(Breach(observedAt: T0.AddDays(30), assurances: assurance), null)[0]).AssuranceBroken);
    }

    [Fact]
    public void A_critical_breach_starts_at_its_policy_level_when_that_is_higher_than_the_broken_assurance_implies()
    {
        var assurance = new AssuranceInForce(Guid.NewGuid(), "US-FBI", 1, null, null);
        var opened = Assert.IsType<CaseOpened>(Then(Breach(Severities.Critical, assurances: assurance), null)[0]);
        Assert.Equal((2, true), (opened.Level, opened.AssuranceBroken));
    }
}
