using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Testing;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>A list limit of two makes a filter applied after the limit observable with three cases.</summary>
public sealed class SmallPageFixture : EscalationFixture
{
    protected override IReadOnlyDictionary<string, string?>? EscalationSettings => new Dictionary<string, string?> { ["Escalation:ListLimit"] = "2" };
}

/// <summary>The query parameters of Escalation's endpoints: each is applied in the database, or refused by name.</summary>
public sealed class CaseQueryTests(SmallPageFixture fixture) : IClassFixture<SmallPageFixture>
{
    [Fact]
    public async Task The_partner_filter_finds_a_case_beyond_the_first_page_of_all_cases()
    {
        await fixture.RegisterAsync("CA-CSIS");
        await fixture.RegisterAsync("CA-RCMP");
        var earlier = new List<Guid>();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            // Each case opens before the clock moves, so the three open a minute apart in this order.
            var caseId = EscalationCase.ForBreach(await fixture.ReportLeakAsync("CA-CSIS"));
            await fixture.CaseAsync(caseId, _ => true, "a CA-CSIS case to open");
            earlier.Add(caseId);
            fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        var later = EscalationCase.ForBreach(await fixture.ReportLeakAsync("CA-RCMP"));
        await fixture.CaseAsync(later, _ => true, "the CA-RCMP case to open");

        // Oldest first at the same level: the two CA-CSIS cases fill the first page of all cases.
        Assert.Equal(earlier, await ListAsync("/escalations?level=1"));
        Assert.Equal([later], await ListAsync("/escalations?partner=CA-RCMP"));
        Assert.Equal([later], await ListAsync("/escalations?partner=CA-RCMP&status=open&level=1"));
        Assert.Empty(await ListAsync("/escalations?partner=CA-RCMP&status=resolved"));
    }

    [Theory]
    [InlineData("/escalations?level=first", "level")]
    [InlineData("/escalations?level=9", "level")]
    [InlineData("/escalations?status=sleeping", "status")]
    [InlineData("/escalations?partner=ca-rcmp", "partner")]
    [InlineData("/escalations?partner=CA-RCMP&partner=CA-CSIS", "partner")]
    [InlineData("/escalations?severity=high", "severity")]
    [InlineData("/escalations/6b1f3a52-0000-4000-8000-000000000002?history=false", "history")]
    [InlineData("/partners?code=CA-RCMP", "code")]
    public async Task A_query_parameter_that_cannot_be_honoured_is_a_problem_naming_it(string path, string parameter) =>
        await ProblemAssert.NamesAsync(await fixture.Operator.GetAsync(path), parameter);

    [Fact]
    public async Task An_action_with_a_query_parameter_is_refused_and_changes_nothing()
    {
        var response = await fixture.Operator.PostAsJsonAsync("/escalations/6b1f3a52-0000-4000-8000-000000000002/note?by=someone", new { text = "x" });
        await ProblemAssert.NamesAsync(response, "by");
    }

    private async Task<List<Guid>> ListAsync(string path)
    {
        var response = await fixture.Operator.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(c => c.GetProperty("caseId").GetGuid())];
    }
}
