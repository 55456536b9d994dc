using System.Net.Http.Json;
using AuditPlatform.Escalation.Cases;

namespace AuditPlatform.Escalation.Tests.Integration;

public sealed class BindingAssuranceTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    [Fact]
    public async Task A_breach_in_scope_of_an_assurance_in_force_opens_above_its_level_and_after_validUntil_at_the_policy_level()
    {
        await fixture.RegisterAsync("NZ-SIS");
        var firstBreach = await fixture.ReportLeakAsync("NZ-SIS");
        var first = EscalationCase.ForBreach(firstBreach);
        await fixture.CaseAsync(first, c => c.GetProperty("level").GetInt32() == 1, "the first case to open");
        await fixture.RespondAsync("NZ-SIS", firstBreach, "assurance", fixture.Clock.GetUtcNow().AddDays(30), ["secret"]);
        await fixture.CaseAsync(first, c => c.GetProperty("status").GetString() == "responded", "the assurance to reach the case");

        var broken = await fixture.CaseAsync(EscalationCase.ForBreach(await fixture.ReportLeakAsync("NZ-SIS")), _ => true, "the second case to open");
        Assert.Equal((2, true), (broken.GetProperty("level").GetInt32(), broken.GetProperty("assuranceBroken").GetBoolean()));
        var partners = await EscalationFixture.Json(await fixture.Operator.GetAsync("/partners"));
        var record = partners.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "NZ-SIS");
        Assert.Equal(broken.GetProperty("brokenAssuranceId").GetGuid(), Assert.Single(record.GetProperty("brokenAssurances").EnumerateArray()).GetProperty("responseId").GetGuid());

        // Level 2 suspends the partner; once it has, restore it so the next items can be shared.
        await fixture.PartnerAsync("NZ-SIS", "suspended");
        await fixture.Operator.PostAsJsonAsync("/partners/NZ-SIS/restore", new { by = "duty officer", reason = "Assurance under review" });
        await fixture.PartnerAsync("NZ-SIS", "active");
        var outside = await fixture.CaseAsync(EscalationCase.ForBreach(await fixture.ReportLeakAsync("NZ-SIS", classification: "top-secret", caveat: "NOFORN")), _ => true, "an out-of-scope case");
        Assert.Equal((1, false), (outside.GetProperty("level").GetInt32(), outside.GetProperty("assuranceBroken").GetBoolean()));

        // Close the open cases first, so no deadline passing below suspends the partner again.
        foreach (var open in new[] { broken, outside })
        {
            (await fixture.Operator.PostAsJsonAsync($"/escalations/{open.GetProperty("caseId").GetGuid()}/resolve", new { by = "duty officer", reason = "Handled", restoreSharing = false }))
                .EnsureSuccessStatusCode();
        }

        fixture.Clock.Advance(TimeSpan.FromDays(31));
        var late = await fixture.CaseAsync(EscalationCase.ForBreach(await fixture.ReportLeakAsync("NZ-SIS")), _ => true, "a case after validUntil");
        Assert.Equal((1, false), (late.GetProperty("level").GetInt32(), late.GetProperty("assuranceBroken").GetBoolean()));
    }
}
