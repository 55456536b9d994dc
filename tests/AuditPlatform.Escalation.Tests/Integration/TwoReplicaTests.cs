using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Raising;
using System.Text.Json;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Escalation.Tests.Integration;

public sealed class TwoReplicaTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    [Fact]
    public async Task Two_instances_on_one_database_raise_a_due_case_once()
    {
        using var measurements = new MeasurementLog("audit.deadlines.missed");
        await fixture.RegisterAsync("AU-ASIO");
        var caseId = EscalationCase.ForBreach(await fixture.ReportLeakAsync("AU-ASIO"));
        await fixture.CaseAsync(caseId, _ => true, "the case to open");
        await using var second = fixture.NewEscalationHost();
        var sweeps = new[] { fixture.Escalation, second }.Select(h => h.Services.GetRequiredService<DeadlineSweep>()).ToList();

        // Both replicas' timers fire on this tick, and both are swept by hand at once as well.
        fixture.Clock.Advance(TimeSpan.FromHours(5));
        var byHand = await Task.WhenAll(sweeps.Concat(sweeps).Select(s => s.SweepAsync(CancellationToken.None)));
        await fixture.CaseAsync(caseId, c => c.GetProperty("level").GetInt32() == 2, "the case to rise");
        var afterwards = await Task.WhenAll(sweeps.Select(s => s.SweepAsync(CancellationToken.None)));

        Assert.InRange(byHand.Sum(), 0, 1);
        Assert.Equal(0, afterwards.Sum());
        Assert.Single(await fixture.Ledger.ReadAsync(EscalationCase.StreamFor(caseId), "case_raised"));
        Assert.Single(await fixture.Ledger.ReadAsync(EscalationCase.StreamFor(caseId), "sharing_suspension_requested"));
        Assert.Contains(measurements.Snapshot(), m => m.Instrument == "audit.deadlines.missed" && m.Tag("deadline") == DeadlineSweep.DeadlineKind);
    }

    [Fact]
    public async Task Of_two_replicas_one_says_it_leads_the_ledger_forwarder_before_and_after_the_other_restarts()
    {
        await using var second = fixture.NewEscalationHost();
        using var secondProbe = second.CreateClient();

        // Looked at ten times: never both, and one as soon as an election has run (a replica stands every second).
        await AssertOneLeaderAsync(fixture.Operator, secondProbe);
        await fixture.StartEscalationAsync();
        await AssertOneLeaderAsync(fixture.Operator, secondProbe);
    }

    private static async Task AssertOneLeaderAsync(HttpClient first, HttpClient second)
    {
        await Eventually.TrueAsync(async () => await LeadsAsync(first) ^ await LeadsAsync(second), "one replica to lead the forwarder");
        for (var look = 0; look < 10; look++)
        {
            var leaders = (await LeadsAsync(first) ? 1 : 0) + (await LeadsAsync(second) ? 1 : 0);
            Assert.Equal(1, leaders);
            await Task.Delay(100);
        }
    }

    /// <summary>What <c>/health/ready</c> says of this replica and the forwarder, as an operator or the fault battery reads it.</summary>
    private static async Task<bool> LeadsAsync(HttpClient replica)
    {
        using var response = await replica.GetAsync("/health/ready");
        using var readiness = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var forwarder = readiness.RootElement.GetProperty("checks").GetProperty("ledger-forwarder");
        Assert.Equal("healthy", forwarder.GetProperty("status").GetString());
        return forwarder.GetProperty("data").GetProperty("leads").GetBoolean();
    }
}
