using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// Every query parameter of the Audit API is either applied or refused with a problem naming it: a misspelt,
/// repeated, malformed or incomplete filter never widens the answer to the whole ledger.
/// </summary>
public sealed class QueryParameterTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    [Theory]
    [InlineData("/audit/events?streamId=US-QP", "streamKind")]
    [InlineData("/audit/export?streamId=US-QP", "streamKind")]
    [InlineData("/audit/events?partnr=US-QP", "partnr")]
    [InlineData("/audit/events?type=sharing_suspended&type=partner_registered", "type")]
    [InlineData("/audit/events?partner=not%20a%20code", "partner")]
    [InlineData("/audit/events?after=-1", "after")]
    [InlineData("/audit/export?format=ndjson&limit=0", "limit")]
    [InlineData("/audit/export?format=ndjson&sort=desc", "sort")]
    [InlineData("/audit/timeline/partner/US-QP?asOf=yesterday", "asOf")]
    [InlineData("/audit/timeline/partner/US-QP?until=soon", "until")]
    [InlineData("/audit/timeline/partner/US-QP?at=2017-05-24T00:00:00Z", "at")]
    [InlineData("/audit/evidence/partner/US-QP?asOf=yesterday", "asOf")]
    [InlineData("/audit/streams?q=US&kinds=partner", "kinds")]
    [InlineData("/audit/exposure/6b1f3a52-0000-4000-8000-000000000002?when=2017-05-24T00:00:00Z", "when")]
    [InlineData("/audit/verify?from=first", "from")]
    [InlineData("/audit/verify?to=last", "to")]
    [InlineData("/audit/consistency?to=2", "from")]
    [InlineData("/audit/consistency?from=one&to=2", "from")]
    [InlineData("/audit/events?type=%00", "type")]
    [InlineData("/audit/events?type=Partner%20Registered", "type")]
    [InlineData("/audit/events?streamKind=partner&streamId=%00", "streamId")]
    [InlineData("/audit/streams?q=US%00", "q")]
    [InlineData("/audit/checkpoints/latest?sequence=3", "sequence")]
    [InlineData("/audit/proof/1?checkpoint=3", "checkpoint")]
    public async Task A_query_parameter_that_cannot_be_honoured_is_a_problem_naming_it(string path, string parameter) =>
        await ProblemAssert.NamesAsync(await fixture.Compliance.GetAsync(path), parameter);

    [Theory]
    [InlineData("/audit/access-log?from=yesterday", "from")]
    [InlineData("/audit/access-log?from=2017-05-25T00:00:00Z&to=2017-05-24T00:00:00Z", "from")]
    [InlineData("/audit/access-log?user=someone", "user")]
    [InlineData("/audit/access-log?by=%00", "by")]
    public async Task The_access_log_names_a_parameter_it_cannot_honour(string path, string parameter) =>
        await ProblemAssert.NamesAsync(await fixture.Audit.ClientFor(Roles.Admin).GetAsync(path), parameter);

    [Fact]
    public async Task A_stream_id_with_its_kind_and_an_export_limit_are_applied()
    {
        await fixture.RegisterAsync("US-QPA");
        await fixture.RegisterAsync("US-QPB");
        var events = await ReadAsync("/audit/events?streamKind=partner&streamId=US-QPA");
        Assert.Equal(["US-QPA"], events.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("streamId").GetString()).Distinct());

        // As auditctl writes it: a trailing '&' is no parameter.
        var export = await fixture.Compliance.GetAsync("/audit/export?format=ndjson&streamKind=partner&limit=1&");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Single((await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private async Task<JsonElement> ReadAsync(string path)
    {
        var response = await fixture.Compliance.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
