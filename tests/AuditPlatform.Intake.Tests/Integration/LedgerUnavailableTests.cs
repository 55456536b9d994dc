using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AuditPlatform.Intake.Tests.Integration;

/// <summary>
/// A command the ledger cannot take now is refused with 503 and <c>Retry-After</c>, never a 500, and nothing of it is
/// recorded; once PostgreSQL can take it again the same command is accepted, by the same running service.
/// </summary>
public sealed class LedgerUnavailableTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    private static async Task AssertRefusedForNowAsync(HttpResponseMessage response, string shortage)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("https://auditplatform.example/problems/ledger-unavailable", problem.GetProperty("type").GetString());
        Assert.StartsWith(shortage + ". Repeat the request after 5 s", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgreSQL_out_of_connections_is_answered_503_with_retry_after_and_the_command_is_taken_once_it_has_one()
    {
        await fixture.RegisterAsync("US-SPARE");
        // A login of its own with no connection to spare: PostgreSQL refuses it as it refuses anyone past max_connections (53300).
        var role = "t_spare_" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await fixture.Ledger.ExecuteAsync($"create role {role} login password '{password}' connection limit 0; grant pg_read_all_data, pg_write_all_data to {role}");
        try
        {
            var ledger = new NpgsqlConnectionStringBuilder(fixture.Database) { Username = role, Password = password }.ConnectionString;
            await using var intake = new ServiceHost<IntakeApp>(fixture, new Dictionary<string, string?>
            {
                ["ConnectionStrings:Ledger"] = ledger,
                ["Ledger:ApplySchemaOnStartup"] = "false",
            });
            var client = intake.ClientFor(Roles.Operator);
            var id = Guid.NewGuid();

            await AssertRefusedForNowAsync(await client.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "US-SPARE")), "PostgreSQL has no connection to spare");
            Assert.Empty(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id)));

            await fixture.Ledger.ExecuteAsync($"alter role {role} connection limit -1");
            var accepted = await Eventually.GetAsync(async () =>
            {
                var response = await client.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "US-SPARE"));
                return response.StatusCode == HttpStatusCode.ServiceUnavailable ? null : response;
            }, "the repeated command to be taken");
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
            Assert.Single(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id)));
        }
        finally
        {
            await fixture.Ledger.ExecuteAsync($"select pg_terminate_backend(pid) from pg_stat_activity where usename = '{role}'");
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    await fixture.Ledger.ExecuteAsync($"drop owned by {role}; drop role {role}");
                    return true;
                }
                catch (PostgresException)
                {
                    return false;
                }
            }, $"{role} to be dropped");
        }
    }

    [Fact]
    public async Task PostgreSQL_that_cannot_be_reached_is_answered_503_with_retry_after()
    {
        // Nothing listens on port 1 of loopback.
        await using var intake = new ServiceHost<IntakeApp>(fixture, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ledger"] = "Host=127.0.0.1;Port=1;Database=nowhere;Username=nobody;Password=none;Timeout=2",
            ["Ledger:ApplySchemaOnStartup"] = "false",
        });

        await AssertRefusedForNowAsync(await intake.ClientFor(Roles.Operator).PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(Guid.NewGuid(), "US-ANY")),
            "PostgreSQL cannot be reached");
    }

    [Fact]
    public async Task PostgreSQL_out_of_reach_probed_again_and_again_is_one_log_line_not_an_error_per_probe()
    {
        var logs = new CapturedLogs();
        await using var intake = new ServiceHost<IntakeApp>(fixture, new Dictionary<string, string?>
        {
            ["ConnectionStrings:Ledger"] = "Host=127.0.0.1;Port=1;Database=nowhere;Username=nobody;Password=none;Timeout=2",
            ["Ledger:ApplySchemaOnStartup"] = "false",
        }, services => services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        using var probe = intake.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await probe.GetAsync("/health/ready")).StatusCode);
        }

        // The health check service's own line (an Error per failing check per probe) is off; the change is logged once.
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Microsoft.Extensions.Diagnostics.HealthChecks", StringComparison.Ordinal));
        var postgresql = logs.Lines.Where(l => l.StartsWith(typeof(HealthTransitions).FullName + " ", StringComparison.Ordinal) && l.Contains("postgresql", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(postgresql);
        Assert.Contains("Information Health check postgresql is unhealthy while the service starts: PostgreSQL does not answer", line, StringComparison.Ordinal);
    }
}
