using System.Text.Json;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.Testing;

namespace AuditPlatform.Escalation.Tests.Decisions;

public class EscalationPolicySpecs
{
    private static EscalationPolicy Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return EscalationPolicy.Parse(document.RootElement);
    }

    private static InvalidPolicyException Refused(string json) => Assert.Throws<InvalidPolicyException>(() => Parse(json));

    [Fact]
    public void The_shipped_policy_loads_with_four_levels_and_suspension_at_the_agency_level()
    {
        var policy = EscalationPolicy.Load(PlatformFixture.RepositoryFile(EscalationPolicy.DefaultPath));

        Assert.Equal(["operational", "agency", "ministerial", "head-of-government"], policy.Levels.Select(l => l.Name));
        Assert.Equal(TimeSpan.FromHours(4), policy.LevelFor(1).RespondWithin);
        Assert.Contains("suspendSharing", policy.LevelFor(2).OnEnter);
        Assert.Equal(2, policy.StartLevelFor("critical"));
        Assert.Equal(1, policy.StartLevelFor("low"));
        Assert.Equal(3, policy.Above(2)!.Level);
        Assert.Null(policy.Above(4));
    }

    [Theory]
    [InlineData("""{ "levels": [] }""", "levels")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "a", "respondWithin": "four hours" } ] }""", "levels[0].respondWithin")]
    [InlineData("""{ "levels": [ { "level": 1, "respondWithin": "PT4H" } ] }""", "levels[0].name")]
    [InlineData("""{ "levels": [ { "level": 2, "name": "a", "respondWithin": "PT4H" }, { "level": 1, "name": "b", "respondWithin": "PT4H" } ] }""", "levels[1].level")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "a", "respondWithin": "PT4H", "onEnter": ["launchMissiles"] } ] }""", "levels[0].onEnter")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "a", "respondWithin": "PT4H" } ], "startLevel": { "apocalyptic": 1 } }""", "startLevel.apocalyptic")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "a", "respondWithin": "PT4H" } ], "startLevel": { "critical": 5 } }""", "startLevel.critical")]
    [InlineData("""{ "levels": [ { "level": 1, "name": "a", "respondWithin": "PT4H" } ], "resolvingResponses": ["apology"] }""", "resolvingResponses")]
    public void An_invalid_policy_is_refused_naming_the_field(string json, string field)
    {
        var refused = Refused(json);

        Assert.Equal(field, refused.Field);
        Assert.Contains(field, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_that_still_sets_handlingReportWithin_is_refused_naming_the_Intake_setting_that_replaced_it()
    {
        var refused = Refused("""{ "levels": [ { "level": 1, "name": "a", "respondWithin": "PT4H" } ], "handlingReportWithin": "PT8H" }""");

        Assert.Equal("handlingReportWithin", refused.Field);
        Assert.Contains("Intake:HandlingReportWithin", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_policy_file_is_refused_with_its_path()
    {
        var refused = Assert.Throws<InvalidPolicyException>(() => EscalationPolicy.Load("/nowhere/escalation.json"));
        Assert.Contains("/nowhere/escalation.json", refused.Message, StringComparison.Ordinal);
    }
}
