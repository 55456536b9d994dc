using System.Net;
using System.Net.Http.Json;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>The whole story on real PostgreSQL and RabbitMQ, from a breach report to sharing restored.</summary>
public sealed class StoryTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    [Fact]
    public async Task A_breach_rises_past_its_deadline_suspends_sharing_and_a_resolution_with_restore_brings_the_partner_back()
    {
        await fixture.RegisterAsync("US-FBI");
        var breachId = await fixture.ReportLeakAsync("US-FBI");
        var caseId = EscalationCase.ForBreach(breachId);

        var opened = await fixture.CaseAsync(caseId, c => c.GetProperty("level").GetInt32() == 1, "the case to open at level 1");
        Assert.Equal(["US-FBI"], opened.GetProperty("partners").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("open", opened.GetProperty("status").GetString());

        // Deadlines live in the ledger: a restarted service still raises the case.
        await fixture.StartEscalationAsync();
        fixture.Clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        var raised = await fixture.CaseAsync(caseId, c => c.GetProperty("level").GetInt32() == 2, "the case to rise to level 2");
        Assert.Equal("agency", raised.GetProperty("levelName").GetString());

        var suspended = await fixture.PartnerAsync("US-FBI", "suspended");
        Assert.Equal(caseId, suspended.GetProperty("caseId").GetGuid());
        var refused = await fixture.IntakeOperator.PostAsJsonAsync("/disclosures", new
        {
            originator = "UK-GMP",
            title = "Follow-up",
            classification = "secret",
            caveats = Array.Empty<string>(),
            contentSha256 = new string('d', 64),
            recipients = new[] { "US-FBI" },
            sharedBy = "GMP liaison",
            occurredAt = fixture.Clock.GetUtcNow(),
        });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.EndsWith("/sharing-suspended", (await EscalationFixture.Json(refused)).GetProperty("type").GetString());

        await fixture.RespondAsync("US-FBI", breachId, "assurance", fixture.Clock.GetUtcNow().AddDays(90), ["secret"]);
        var responded = await fixture.CaseAsync(caseId, c => c.GetProperty("status").GetString() == "responded", "the case to be responded");
        Assert.False(responded.TryGetProperty("deadline", out _));

        var resolve = await fixture.Operator.PostAsJsonAsync($"/escalations/{caseId}/resolve", new { by = "duty officer", reason = "Assurance accepted", restoreSharing = true });
        Assert.Equal(HttpStatusCode.OK, resolve.StatusCode);
        await fixture.PartnerAsync("US-FBI", "active");

        var types = (await fixture.Ledger.ReadAsync(EscalationCase.StreamFor(caseId))).Select(r => r.Type).ToList();
        Assert.Equal(["case_opened", "case_raised", "sharing_suspension_requested", "case_response_received", "case_resolved", "sharing_restoration_requested"], types);

        var again = await fixture.Operator.PostAsJsonAsync($"/escalations/{caseId}/note", new { by = "duty officer", text = "late" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.EndsWith("/case-resolved", (await EscalationFixture.Json(again)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Only_operators_and_admins_act_on_cases_and_anonymous_callers_are_refused()
    {
        await fixture.RegisterAsync("US-NSA");
        var caseId = EscalationCase.ForBreach(await fixture.ReportLeakAsync("US-NSA"));
        await fixture.CaseAsync(caseId, _ => true, "the case to open");

        foreach (var role in new[] { Roles.Compliance, Roles.Integrator })
        {
            var client = fixture.Client(fixture.Escalation, role, role == Roles.Integrator ? "US-NSA" : null);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"/escalations/{caseId}/acknowledge", new { by = "x" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/partners/US-NSA/suspend", new { by = "x", reason = "y" })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Escalation.CreateClient().GetAsync("/escalations")).StatusCode);
        var admin = fixture.Client(fixture.Escalation, Roles.Admin);
        var acknowledged = await admin.PostAsJsonAsync($"/escalations/{caseId}/acknowledge", new { by = "night admin" });
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        var body = await EscalationFixture.Json(acknowledged);
        Assert.Equal("acknowledged", body.GetProperty("status").GetString());
        Assert.Contains(body.GetProperty("history").EnumerateArray(), h => h.GetProperty("by").GetString() == "night admin");

        var assigned = await fixture.Operator.PostAsJsonAsync($"/escalations/{caseId}/assign", new { by = "lead", to = "analyst-7" });
        Assert.Equal("analyst-7", (await EscalationFixture.Json(assigned)).GetProperty("assignee").GetString());
        var listed = await EscalationFixture.Json(await fixture.Operator.GetAsync("/escalations?partner=US-NSA&level=1&status=acknowledged"));
        Assert.Contains(listed.EnumerateArray(), c => c.GetProperty("caseId").GetGuid() == caseId);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Operator.GetAsync("/escalations?status=sleeping")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Operator.PostAsJsonAsync($"/escalations/{caseId}/escalate", new { by = "x" })).StatusCode);
    }

    [Fact]
    public async Task An_operator_suspends_and_restores_a_partner_through_Intake_and_the_request_is_in_the_ledger()
    {
        await fixture.RegisterAsync("CA-CSIS");
        var suspend = await fixture.Operator.PostAsJsonAsync("/partners/CA-CSIS/suspend", new { by = "duty officer", reason = "Leak under investigation" });
        Assert.Equal(HttpStatusCode.Accepted, suspend.StatusCode);
        var stream = (await EscalationFixture.Json(suspend)).GetProperty("stream").GetString()!;
        Assert.StartsWith("operator-action/", stream);
        Assert.Equal("Leak under investigation", (await fixture.PartnerAsync("CA-CSIS", "suspended")).GetProperty("suspensionReason").GetString());
        await Eventually.TrueAsync(async () => (await EscalationFixture.Json(await fixture.Operator.GetAsync("/partners"))).EnumerateArray()
            .Any(p => p.GetProperty("id").GetString() == "CA-CSIS" && p.GetProperty("sharing").GetString() == "suspended"), "Escalation to see the suspension");

        Assert.Equal(HttpStatusCode.Accepted, (await fixture.Operator.PostAsJsonAsync("/partners/CA-CSIS/restore", new { by = "duty officer", reason = "Cleared" })).StatusCode);
        await fixture.PartnerAsync("CA-CSIS", "active");
        Assert.Equal("sharing_suspension_requested", Assert.Single(await fixture.Ledger.ReadAsync(stream)).Type);
        Assert.Equal(StreamKinds.Case, StreamKey.Parse(EscalationCase.StreamFor(Guid.NewGuid())).Kind);
    }
}
