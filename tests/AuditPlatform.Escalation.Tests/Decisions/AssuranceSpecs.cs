using AuditPlatform.Escalation.Cases.Opening;
using AuditPlatform.Escalation.Ledger;
using static AuditPlatform.Escalation.Tests.Decisions.Ladder;

namespace AuditPlatform.Escalation.Tests.Decisions;

public class AssuranceSpecs
{
    private static readonly Guid ResponseId = Guid.Parse("7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");

    private static AssuranceInForce Given(int acceptedAt = 2, DateTimeOffset? validUntil = null, string partner = "US-DOS", params string[] scope) =>
        new(ResponseId, partner, acceptedAt, validUntil ?? Now.AddYears(1), scope.Length == 0 ? ["secret", "UK-EYES-ONLY-UNTIL-RELEASE"] : scope);

    private static CaseOpened Opened(OpenBreachCase breach, params AssuranceInForce[] assurances) => Assert.IsType<CaseOpened>(Decide(breach, null, null, assurances).Events[0]);

    [Fact]
    public void A_breach_in_scope_while_the_assurance_is_in_force_opens_one_level_above_where_it_was_accepted()
    {
        var opened = Opened(Breach("low"), Given(acceptedAt: 2));

        Assert.Equal(3, opened.Level);
        Assert.True(opened.AssuranceBroken);
        Assert.Equal(ResponseId, opened.BrokenAssuranceId);
        Assert.Equal(Now.AddHours(72), opened.Deadline);
    }

    [Fact]
    public void A_broken_assurance_opening_above_the_suspending_level_still_suspends_the_partner_as_that_level_does()
    {
        var events = Decide(Breach("low", ["US-DOS", "US-FBI"]), null, null, Given(acceptedAt: 2)).Events;

        Assert.Equal(3, Assert.IsType<CaseOpened>(events[0]).Level);
        var suspensions = events.OfType<SharingSuspensionRequested>().ToList();
        Assert.Equal(["US-DOS", "US-FBI"], suspensions.Select(s => s.Partner));
        Assert.All(suspensions, s => Assert.Equal($"Case {CaseId} opened at level 3 (ministerial), above level 2 (agency), whose actions it takes on.", s.Reason));
    }

    [Fact]
    public void A_caveat_in_scope_is_enough()
    {
        var opened = Opened(Breach(classification: "confidential", caveats: ["UK-EYES-ONLY-UNTIL-RELEASE"]), Given());

        Assert.True(opened.AssuranceBroken);
    }

    [Fact]
    public void The_level_above_is_capped_at_the_top_of_the_ladder()
    {
        var opened = Opened(Breach(), Given(acceptedAt: 4));

        Assert.Equal(4, opened.Level);
        Assert.True(opened.AssuranceBroken);
    }

    [Fact]
    public void A_severity_starting_higher_than_the_broken_assurance_keeps_its_level()
    {
        var opened = Opened(Breach("critical"), Given(acceptedAt: 1));

        Assert.Equal(2, opened.Level);
        Assert.True(opened.AssuranceBroken);
    }

    [Fact]
    public void A_breach_observed_exactly_at_valid_until_still_breaks_it()
    {
        Assert.True(Opened(Breach(observedAt: Now), Given(validUntil: Now)).AssuranceBroken);
    }

    [Fact]
    public void After_valid_until_the_breach_starts_at_the_policy_level()
    {
        var opened = Opened(Breach(observedAt: Now.AddSeconds(1)), Given(validUntil: Now));

        Assert.Equal(1, opened.Level);
        Assert.False(opened.AssuranceBroken);
        Assert.Null(opened.BrokenAssuranceId);
    }

    [Fact]
    public void A_breach_outside_the_scope_starts_at_the_policy_level()
    {
        var opened = Opened(Breach(classification: "confidential", caveats: ["NO-MEDIA"]), Given());

        Assert.False(opened.AssuranceBroken);
        Assert.Equal(1, opened.Level);
    }

    [Fact]
    public void Another_partner_s_assurance_does_not_bind_this_one()
    {
        Assert.False(Opened(Breach(partners: ["US-FBI"]), Given(partner: "US-DOS")).AssuranceBroken);
    }

    [Fact]
    public void Without_attribution_any_partner_exposed_to_the_item_can_break_its_assurance()
    {
        Assert.True(Opened(Breach(partners: ["US-FBI", "US-DOS"]), Given(partner: "US-DOS")).AssuranceBroken);
    }

    [Fact]
    public void Of_several_broken_assurances_the_one_accepted_highest_decides()
    {
        var low = Given(acceptedAt: 1) with { ResponseId = Guid.NewGuid() };
        var high = Given(acceptedAt: 2);

        var opened = Opened(Breach(), low, high);

        Assert.Equal((3, ResponseId), (opened.Level, opened.BrokenAssuranceId!.Value));
    }

    [Fact]
    public void The_broken_assurance_is_named_in_the_case_history()
    {
        var state = Fold(null, Decide(Breach(), null, null, Given()).Events)!;

        Assert.True(state.AssuranceBroken);
        Assert.Contains(ResponseId.ToString(), state.History[0].Detail, StringComparison.Ordinal);
    }
}
