using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Partners.Requesting;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using static AuditPlatform.Escalation.Tests.Decisions.Ladder;

namespace AuditPlatform.Escalation.Tests.Decisions;

public class SharingRequestSpecs
{
    private static readonly RequestSharingChangeSlice Slice = new();

    private static RequestSharingChange Request(string requested, Guid? caseId = null) =>
        new("US-DOS", requested, "duty officer", "Leak under investigation", caseId, caseId is { } id ? EscalationCase.StreamFor(id) : "operator-action/x");

    [Fact]
    public void An_operator_s_suspension_is_recorded_as_a_request_to_Intake_with_who_and_why()
    {
        var decision = Slice.Decide(Request(RequestSharingChange.Suspend), null, new CommandContext(Now, "spec"));

        var requested = Assert.IsType<SharingSuspensionRequested>(Assert.Single(decision.Events));
        Assert.Equal(("US-DOS", "duty officer", "Leak under investigation", (Guid?)null), (requested.Partner, requested.By, requested.Reason, requested.CaseId));
    }

    [Fact]
    public void A_request_on_a_case_shows_in_its_history()
    {
        var state = Given(Breach());
        var decision = Slice.Decide(Request(RequestSharingChange.Restore, CaseId), state, new CommandContext(Now, "spec"));

        var restored = Assert.IsType<SharingRestorationRequested>(Assert.Single(decision.Events));
        Assert.Equal("restoration requested", Fold(state, [restored])!.History[^1].What);
    }

    [Fact]
    public void A_malformed_partner_code_or_a_missing_reason_is_refused_by_field()
    {
        var errors = new FieldErrors();
        Slice.Validate(Request(RequestSharingChange.Suspend) with { Partner = "us-dos", Reason = " " }, errors);

        Assert.Equal(["code", "reason"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }
}
