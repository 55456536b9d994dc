using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Raising;
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
}
