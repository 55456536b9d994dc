using AuditPlatform.Intake.Intelligence.Assessing;
using AuditPlatform.Testing;
using Microsoft.Extensions.Configuration;

namespace AuditPlatform.Intake.Tests.Decisions;

public class ReportDeadlineSpecs
{
    private static ReportDeadline Read(string? value) =>
        ReportDeadline.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(value is null ? [] : [KeyValuePair.Create<string, string?>("Intake:HandlingReportWithin", value)]).Build());

    [Fact]
    public void Intake_ships_eight_hours_to_write_up_a_pressing_concern()
    {
        var appsettings = new ConfigurationBuilder().AddJsonFile(PlatformFixture.RepositoryFile("services/Intake/appsettings.json")).Build();

        Assert.Equal(TimeSpan.FromHours(8), ReportDeadline.FromConfiguration(appsettings).Within);
        Assert.Equal(TimeSpan.FromHours(8), Read(null).Within);
        Assert.Equal(TimeSpan.FromHours(2), Read("02:00:00").Within);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-08:00:00")]
    public void A_deadline_that_is_not_positive_is_refused_naming_the_setting(string value)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Read(value));

        Assert.Contains("Intake:HandlingReportWithin", refused.Message, StringComparison.Ordinal);
    }
}
