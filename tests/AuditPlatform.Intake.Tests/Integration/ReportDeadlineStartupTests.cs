using AuditPlatform.Testing;

namespace AuditPlatform.Intake.Tests.Integration;

public sealed class ReportDeadlineStartupTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    [Fact]
    public void A_report_deadline_that_is_not_positive_stops_the_service_at_start_naming_the_setting()
    {
        using var host = new ServiceHost<IntakeApp>(fixture, new Dictionary<string, string?> { ["Intake:HandlingReportWithin"] = "00:00:00" });

        var refused = Assert.ThrowsAny<Exception>(() => host.Services);
        var invalid = Assert.IsType<InvalidOperationException>(refused.GetBaseException());
        Assert.Contains("Intake:HandlingReportWithin", invalid.Message, StringComparison.Ordinal);
    }
}
