using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

public sealed class BreachRespondWithinStartupTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    [Theory]
    [InlineData("Notification:BreachRespondWithin:critical", "-1.00:00:00")]
    [InlineData("Notification:BreachRespondWithin:urgent", "04:00:00")]
    public void A_breach_deadline_setting_that_cannot_be_used_stops_the_service_at_start_naming_it(string setting, string value)
    {
        using var host = new ServiceHost<NotificationApp>(fixture, new Dictionary<string, string?> { [setting] = value });

        var refused = Assert.ThrowsAny<Exception>(() => host.Services);
        var invalid = Assert.IsType<InvalidOperationException>(refused.GetBaseException());
        Assert.Contains(setting, invalid.Message, StringComparison.Ordinal);
    }
}
