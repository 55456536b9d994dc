using System.Net.Http.Json;
using AuditPlatform.Testing;

namespace AuditPlatform.Intake.Tests.Integration;

/// <summary>
/// Intake's endpoints take no query parameters: one sent anyway is refused by name rather than ignored, and
/// a refused command records nothing.
/// </summary>
public sealed class QueryParameterTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    [Theory]
    [InlineData("/partners/US-FBI?include=history", "include")]
    [InlineData("/disclosures/6b1f3a52-0000-4000-8000-000000000002?asOf=2017-05-24T00:00:00Z", "asOf")]
    [InlineData("/breaches/6b1f3a52-0000-4000-8000-000000000002?expand=exposure", "expand")]
    [InlineData("/intelligence/6b1f3a52-0000-4000-8000-000000000002?fields=deadline", "fields")]
    public async Task A_read_with_a_query_parameter_is_a_problem_naming_it(string path, string parameter) =>
        await ProblemAssert.NamesAsync(await fixture.Admin.GetAsync(path), parameter);

    [Fact]
    public async Task A_command_with_a_query_parameter_is_refused_by_name_and_records_nothing()
    {
        var response = await fixture.Admin.PutAsJsonAsync("/partners/US-QPI?dryRun=true", new { name = "Query agency", country = "United States", channel = new { kind = "bus" } });
        await ProblemAssert.NamesAsync(response, "dryRun");
        Assert.Empty(await fixture.Ledger.ReadAsync("partner/US-QPI"));
    }
}
