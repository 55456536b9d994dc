using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.Notification.Notices.Planning;
using AuditPlatform.Testing;
using Microsoft.Extensions.Configuration;

namespace AuditPlatform.Escalation.Tests.Decisions;

/// <summary>
/// Notification states a breach notice's deadline from its own settings, which mirror the ladder: changing
/// deploy/policy/escalation.json without them (or them without it) fails here.
/// </summary>
public class PolicyDriftSpecs
{
    private static readonly EscalationPolicy Shipped = EscalationPolicy.Load(PlatformFixture.RepositoryFile(EscalationPolicy.DefaultPath));

    [Theory]
    [InlineData(Severities.Low)]
    [InlineData(Severities.Medium)]
    [InlineData(Severities.High)]
    [InlineData(Severities.Critical)]
    public void Notifications_shipped_breach_deadline_is_the_respondWithin_of_the_level_the_shipped_policy_opens_that_severity_at(string severity)
    {
        var ladder = Shipped.LevelFor(Shipped.StartLevelFor(severity)).RespondWithin;
        var appsettings = new ConfigurationBuilder().AddJsonFile(PlatformFixture.RepositoryFile("services/Notification/appsettings.json")).Build();

        Assert.Equal(ladder, BreachRespondWithin.FromConfiguration(appsettings).For(severity));
        Assert.Equal(ladder, BreachRespondWithin.FromConfiguration(new ConfigurationBuilder().Build()).For(severity));
    }
}
