using AuditPlatform.Escalation.Policy;
using AuditPlatform.Testing;

namespace AuditPlatform.Escalation.Tests.Integration;

public sealed class PolicyStartupTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    [Theory]
    [InlineData("""{ "levels": [ { "level": 1, "name": "operational", "respondWithin": "soon" } ] }""", "levels[0].respondWithin")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "operational", "respondWithin": "PT4H", "onEnter": ["phoneHome"] } ] }""", "levels[0].onEnter")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "operational", "respondWithin": "PT4H", "onEnter": ["notifyPartners"] } ] }""", "levels[0].onEnter")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "operational", "respondWithin": "PT4H" } ], "startLevel": { "critical": 5 } }""", "startLevel.critical")]
    [InlineData("""{ "levels": [] }""", "levels")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "operational", "respondWithin": "PT4H" } ], "handlingReportWithin": "PT8H" }""", "handlingReportWithin")]
    public void An_invalid_policy_stops_the_service_at_start_naming_the_field(string policy, string field)
    {
        var file = Path.Combine(Path.GetTempPath(), $"policy-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, policy);
        try
        {
            using var host = new ServiceHost<EscalationApp>(fixture, new Dictionary<string, string?> { ["ESCALATION_POLICY"] = file });
            var refused = Assert.ThrowsAny<Exception>(() => host.Services);
            var invalid = Assert.IsType<InvalidPolicyException>(refused.GetBaseException());
            Assert.Equal(field, invalid.Field);
            Assert.Contains(field, invalid.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
