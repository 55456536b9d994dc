using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Acknowledging;
using AuditPlatform.Escalation.Cases.Assigning;
using AuditPlatform.Escalation.Cases.Escalating;
using AuditPlatform.Escalation.Cases.Noting;
using AuditPlatform.Escalation.Cases.Raising;
using AuditPlatform.Escalation.Cases.Resolving;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using static AuditPlatform.Escalation.Tests.Decisions.Ladder;

namespace AuditPlatform.Escalation.Tests.Decisions;

public class OperatorSpecs
{
    internal static CaseCommand Command(string what, Guid caseId) => what switch
    {
        "acknowledge" => new AcknowledgeCase(caseId, "duty officer"),
        "assign" => new AssignCase(caseId, "duty officer", "j.smith"),
        "note" => new NoteCase(caseId, "duty officer", "Called the embassy."),
        "escalate" => new EscalateCase(caseId, "duty officer", "Minister asked."),
        "resolve" => new ResolveCase(caseId, "duty officer", "Settled.", false),
        "raise" => new RaiseOnDeadline(caseId),
        "respond" => DeadlineSpecs.Respond("assurance"),
        _ => throw new ArgumentOutOfRangeException(nameof(what)),
    };

    [Fact]
    public void Acknowledging_records_who_and_marks_the_case_acknowledged_once()
    {
        var state = Given(Breach());

        var events = Decide(new AcknowledgeCase(CaseId, "duty officer"), state).Events;
        var after = Fold(state, events)!;

        Assert.Equal("duty officer", Assert.IsType<CaseAcknowledged>(Assert.Single(events)).By);
        Assert.Equal((EscalationCase.Acknowledged, true, "duty officer"), (after.Status, after.IsAcknowledged, after.AcknowledgedBy));
        Nothing(Decide(new AcknowledgeCase(CaseId, "someone else"), after));
    }

    [Fact]
    public void Acknowledging_a_responded_case_keeps_it_responded()
    {
        var state = Given(Breach(), DeadlineSpecs.Respond("assurance"), new AcknowledgeCase(CaseId, "op"));

        Assert.Equal(EscalationCase.Responded, state.Status);
        Assert.True(state.IsAcknowledged);
    }

    [Fact]
    public void Assigning_sets_the_assignee_and_assigning_the_same_person_again_changes_nothing()
    {
        var state = Given(Breach(), new AssignCase(CaseId, "lead", "j.smith"));

        Assert.Equal("j.smith", state.Assignee);
        Nothing(Decide(new AssignCase(CaseId, "lead", "j.smith"), state));
        var reassigned = Fold(state, Decide(new AssignCase(CaseId, "lead", "a.jones"), state).Events)!;
        Assert.Equal("a.jones", reassigned.Assignee);
        Assert.Equal(("assigned", "lead", "a.jones"), (reassigned.History[^1].What, reassigned.History[^1].By, reassigned.History[^1].Detail));
    }

    [Fact]
    public void A_note_is_recorded_with_who_wrote_it_every_time()
    {
        var state = Given(Breach(), new NoteCase(CaseId, "op", "Called."), new NoteCase(CaseId, "op", "Called."));

        Assert.Equal(2, state.History.Count(h => h.What == "noted" && h.Detail == "Called." && h.By == "op"));
    }

    [Fact]
    public void Escalating_by_hand_raises_one_level_with_who_and_why_and_runs_on_enter()
    {
        var state = Given(Breach());

        var events = Decide(new EscalateCase(CaseId, "duty officer", "Minister asked."), state).Events;

        var raised = Assert.IsType<CaseRaised>(events[0]);
        Assert.Equal((2, "duty officer", "Minister asked."), (raised.Level, raised.By, raised.Reason));
        Assert.Equal(Now.AddHours(24), raised.Deadline);
        Assert.Single(events.OfType<SharingSuspensionRequested>());
    }

    [Fact]
    public void Escalating_by_hand_at_the_top_is_refused_as_a_conflict()
    {
        var state = Given(Breach("critical"), new EscalateCase(CaseId, "op", "a"), new EscalateCase(CaseId, "op", "b"));

        Assert.Equal(4, state.Level);
        var refusal = Refused(Decide(new EscalateCase(CaseId, "op", "c"), state));
        Assert.Equal((RefusalKind.Conflict, "case-at-top-level"), (refusal.Kind, refusal.ProblemType));
    }

    [Fact]
    public void Resolving_closes_the_case_without_touching_sharing()
    {
        var state = Given(Breach("critical", ["US-DOS", "US-FBI"]));

        var events = Decide(new ResolveCase(CaseId, "op", "Settled.", false), state).Events;

        var resolved = Assert.IsType<CaseResolved>(Assert.Single(events));
        Assert.Equal(("op", "Settled.", false), (resolved.By, resolved.Reason, resolved.RestoreSharing));
        var after = Fold(state, events)!;
        Assert.True(after.IsResolved);
        Assert.False(after.ClockRuns);
    }

    [Fact]
    public void Resolving_with_restore_asks_to_restore_sharing_with_every_partner_of_the_case()
    {
        var state = Given(Breach("critical", ["US-DOS", "US-FBI"]));

        var events = Decide(new ResolveCase(CaseId, "op", "Assured.", true), state).Events;

        Assert.True(Assert.IsType<CaseResolved>(events[0]).RestoreSharing);
        var restorations = events.OfType<SharingRestorationRequested>().ToList();
        Assert.Equal(["US-DOS", "US-FBI"], restorations.Select(r => r.Partner));
        Assert.All(restorations, r => Assert.Equal(("op", "Assured."), (r.By, r.Reason)));
    }

    [Theory]
    [InlineData("acknowledge")]
    [InlineData("assign")]
    [InlineData("note")]
    [InlineData("escalate")]
    [InlineData("resolve")]
    public void Every_operator_action_on_a_resolved_case_is_refused_as_resolved(string what)
    {
        var state = Given(Breach(), new ResolveCase(CaseId, "op", "done", false));

        var refusal = Refused(Decide(Command(what, CaseId), state));

        Assert.Equal((RefusalKind.Conflict, "case-resolved"), (refusal.Kind, refusal.ProblemType));
    }
}
