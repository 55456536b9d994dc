using AuditPlatform.Contracts;
using AuditPlatform.Notification.Notices.Planning;
using Microsoft.Extensions.Configuration;

namespace AuditPlatform.Notification.Tests.Decisions;

public class BreachRespondWithinSpecs
{
    private static BreachRespondWithin Read(params (string Key, string Value)[] settings) =>
        BreachRespondWithin.FromConfiguration(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Each_severity_is_read_on_its_own_and_the_others_keep_their_defaults()
    {
        var read = Read(("Notification:BreachRespondWithin:high", "2.00:00:00"), ("Notification:BreachRespondWithin:CRITICAL", "12:00:00"));

        Assert.Equal(TimeSpan.FromDays(2), read.For(Severities.High));
        Assert.Equal(TimeSpan.FromHours(12), read.For(Severities.Critical));
        Assert.Equal(BreachRespondWithin.Default.Low, read.For(Severities.Low));
        Assert.Equal(BreachRespondWithin.Default.Medium, read.For(Severities.Medium));
    }

    [Theory]
    [InlineData("Notification:BreachRespondWithin:critical", "00:00:00", "Notification:BreachRespondWithin:critical")]
    [InlineData("Notification:BreachRespondWithin:low", "-01:00:00", "Notification:BreachRespondWithin:low")]
    [InlineData("Notification:BreachRespondWithin:severe", "04:00:00", "Notification:BreachRespondWithin:severe")]
    public void A_deadline_that_is_not_positive_or_not_for_a_severity_is_refused_naming_the_setting(string key, string value, string named)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => Read((key, value)));

        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
    }
}
