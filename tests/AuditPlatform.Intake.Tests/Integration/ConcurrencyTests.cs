using System.Net;
using System.Net.Http.Json;
using AuditPlatform.ServiceDefaults.Ledger;

namespace AuditPlatform.Intake.Tests.Integration;

public sealed class ConcurrencyTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    [Fact]
    public async Task The_same_disclosure_posted_ten_times_at_once_is_recorded_once_and_never_answered_with_a_500()
    {
        await fixture.RegisterAsync("SE-SAPO");
        var id = Guid.NewGuid();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "SE-SAPO"))));

        var codes = answers.Select(a => a.StatusCode).ToList();
        Assert.All(codes, c => Assert.Contains(c, new[] { HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.Single(codes, c => c == HttpStatusCode.Created);
        foreach (var conflict in answers.Where(a => a.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.EndsWith("/concurrent-write", (await conflict.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("type").GetString());
        }

        Assert.Single(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id)));
    }
}
