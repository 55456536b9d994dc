using System.Net;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// The access log's promise, whatever way it is written: no answer reaches a reader before its record has committed,
/// and an answer whose record failed is not given.
/// A trigger on this fixture's own database stands in for a record that cannot be written (a full disk, a revoked grant).
/// The refusals are asked of an Audit served by Kestrel on loopback, as in production: how a server refuses an answer
/// whose start failed is the server's own, and the in-memory test server does it differently.
/// </summary>
public sealed class AccessLogTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private const string Unrecorded = "AL-UNRECORDED";
    private const string Recorded = "AL-RECORDED";

    [Fact]
    public async Task An_answer_whose_access_could_not_be_recorded_is_not_given()
    {
        await fixture.RegisterAsync(Unrecorded);
        await fixture.RegisterAsync(Recorded);
        await Eventually.TrueAsync(async () => (await TimelineAsync(Unrecorded)).Contains("partner_registered", StringComparison.Ordinal)
            && (await TimelineAsync(Recorded)).Contains("partner_registered", StringComparison.Ordinal), "both partners' timelines");

        var recordedBefore = await RecordsOfAsync(Unrecorded);
        await fixture.ExecuteAsync($"""
            create function audit.refuse_unrecorded() returns trigger language plpgsql as $$
            begin
              if new.path like '%{Unrecorded}%' then raise exception 'the access log refuses %', new.path; end if;
              return new;
            end $$;
            create trigger refuse_unrecorded before insert on audit.access_log for each row execute function audit.refuse_unrecorded()
            """);
        await using var audit = fixture.AnotherAudit();
        using var client = new HttpClient { BaseAddress = audit.ListenOnLoopback() };
        client.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Token(Roles.Compliance));
        try
        {
            foreach (var path in new[] { $"/audit/timeline/partner/{Unrecorded}", $"/audit/export?streamKind=partner&streamId={Unrecorded}", $"/audit/events?streamId={Unrecorded}" })
            {
                var refused = await client.GetAsync(path);
                var body = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.InternalServerError, $"{path}: {refused.StatusCode} {body}");
                Assert.DoesNotContain("partner_registered", body, StringComparison.Ordinal);
            }

            var answered = await client.GetAsync($"/audit/timeline/partner/{Recorded}");
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.Contains("partner_registered", await answered.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await fixture.ExecuteAsync("drop trigger refuse_unrecorded on audit.access_log; drop function audit.refuse_unrecorded()");
        }

        Assert.Equal(recordedBefore, await RecordsOfAsync(Unrecorded));
        Assert.Contains("partner_registered", await TimelineAsync(Unrecorded), StringComparison.Ordinal);
        Assert.Equal(recordedBefore + 1, await RecordsOfAsync(Unrecorded));
    }

    [Fact]
    public async Task Every_answer_given_is_already_in_the_access_log_when_it_arrives()
    {
        var admin = fixture.Audit.ClientFor(Roles.Admin);
        for (var i = 0; i < 20; i++)
        {
            var path = $"/audit/events?streamKind=partner&streamId=AL-ASKED-{i}";
            Assert.Equal(HttpStatusCode.OK, (await fixture.Compliance.GetAsync(path)).StatusCode);
            Assert.Equal(1, await fixture.ScalarAsync($"select count(*) from audit.access_log where path = '{path}'"));
        }
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/audit/access-log?by=test-compliance")).StatusCode);
    }

    [Fact]
    public async Task With_the_ledger_out_of_reach_the_question_is_refused_503_with_retry_after_not_500()
    {
        // The record fails for the reason the query would: the answer is the ledger's 503, not a 500.
        var settings = fixture.AuditSettings();
        settings["ConnectionStrings:Ledger"] = "Host=127.0.0.1;Port=1;Database=nowhere;Username=nobody;Password=none;Timeout=2";
        settings["Ledger:ApplySchemaOnStartup"] = "false";
        await using var audit = new ServiceHost<AuditApp>(fixture, settings);
        using var client = new HttpClient { BaseAddress = audit.ListenOnLoopback() };
        client.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Token(Roles.Compliance));

        var refused = await client.GetAsync($"/audit/timeline/partner/{Recorded}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    private Task<long> RecordsOfAsync(string partner) =>
        fixture.ScalarAsync($"select count(*) from audit.access_log where path like '%{partner}%'");

    private async Task<string> TimelineAsync(string partner) =>
        await (await fixture.Compliance.GetAsync($"/audit/timeline/partner/{partner}")).Content.ReadAsStringAsync();
}
