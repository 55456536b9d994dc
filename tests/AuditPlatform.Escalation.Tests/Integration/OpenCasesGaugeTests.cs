using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Reading;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>
/// The open-cases gauge. Each Escalation host reports its own counts through a meter of its own; when the gauge
/// read one process-wide delegate, the last host started in the test process won, and this test read another
/// fixture's (still empty) counts.
/// </summary>
public sealed class OpenCasesGaugeTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    [Fact]
    public async Task Open_cases_are_counted_by_level_for_the_open_cases_gauge()
    {
        using var measurements = new MeasurementLog("audit.cases.open");
        await fixture.RegisterAsync("NZ-GCSB");
        var caseId = EscalationCase.ForBreach(await fixture.ReportLeakAsync("NZ-GCSB"));
        var level = (await fixture.CaseAsync(caseId, _ => true, "the case to open")).GetProperty("level").GetInt32();
        var policy = fixture.Escalation.Services.GetRequiredService<EscalationPolicy>();

        var counts = await fixture.Escalation.Services.GetRequiredService<OpenCasesByLevel>().RefreshAsync(CancellationToken.None);

        Assert.Equal(policy.Levels.Select(l => l.Level), counts.Select(c => c.Key));
        Assert.True(counts.Single(c => c.Key == level).Value >= 1, $"the new case counted at level {level}");
        var gauge = measurements.Snapshot().Where(m => m.Instrument == "audit.cases.open").ToList();
        Assert.All(policy.Levels, l => Assert.Contains(gauge, m => m.Tag("level") == l.Level.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
