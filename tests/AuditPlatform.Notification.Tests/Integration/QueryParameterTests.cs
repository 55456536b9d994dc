using System.Net.Http.Json;
using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>Notification's query parameters are applied or refused by name, never ignored.</summary>
public sealed class QueryParameterTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    [Theory]
    [InlineData("/notifications?limit=many", "limit")]
    [InlineData("/notifications?limit=0", "limit")]
    [InlineData("/notifications?partnr=FR-DGSE", "partnr")]
    [InlineData("/notifications?kind=handling&kind=breach", "kind")]
    [InlineData("/notifications/6b1f3a52-0000-4000-8000-000000000002?partner=FR-DGSE", "partner")]
    [InlineData("/responses/6b1f3a52-0000-4000-8000-000000000002?partner=FR-DGSE", "partner")]
    public async Task A_query_parameter_that_cannot_be_honoured_is_a_problem_naming_it(string path, string parameter) =>
        await ProblemAssert.NamesAsync(await fixture.NotificationOperator.GetAsync(path), parameter);

    [Fact]
    public async Task A_command_with_a_query_parameter_is_refused_by_name()
    {
        var response = await fixture.NotificationOperator.PostAsJsonAsync("/notifications/6b1f3a52-0000-4000-8000-000000000002/ack?partner=FR-DGSE", new { by = "desk" });
        await ProblemAssert.NamesAsync(response, "partner");
    }
}
