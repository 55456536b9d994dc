using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AuditPlatform.Contracts.Tests.AsyncApi;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.Notification.Notices.Delivery;

namespace AuditPlatform.Contracts.Tests;

/// <summary>What the AsyncAPI document states about real messages holds for the messages the platform writes.</summary>
public sealed partial class DocumentedShapesTests
{
    [Fact]
    public void A_real_handling_notice_carries_every_field_the_schema_requires_and_no_other()
    {
        // A handling notice as Notification writes it: no breach, severity, outlet or deadline, so those are left out.
        var notice = new NoticeMessage(
            Guid.NewGuid(), "US-FBI", "handling", Guid.NewGuid(), null, "secret", ["UK-EYES-ONLY-UNTIL-RELEASE"], "Scene photographs",
            "9f478e1fef55bdd3e6580642af9e5c73", null, null, null, null, null, null, DateTimeOffset.UtcNow);
        var body = JsonNode.Parse(notice.ToUtf8Json())!.AsObject();
        var schema = AsyncApiDocument.Build()["components"]!["schemas"]![nameof(NoticeMessage)]!;

        var required = schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.All(required, name => Assert.True(body.ContainsKey(name), $"the schema requires {name}, which a real handling notice leaves out"));
        var properties = schema["properties"]!.AsObject().Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        Assert.All(body.Select(p => p.Key), name => Assert.Contains(name, properties));
        Assert.DoesNotContain("breachId", required);
    }

    [Fact]
    public void Every_fingerprint_in_the_document_has_the_shape_Intake_gives_one()
    {
        var real = new Fingerprints(new byte[32]).For(Guid.NewGuid(), "US-DHS");
        Assert.Matches(FingerprintShape(), real);

        var yaml = File.ReadAllText(Path.Combine(AsyncApiTests.RepositoryRoot(), AsyncApiDocument.RelativePath));
        var documented = DocumentedFingerprint().Matches(yaml).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(documented);
        Assert.All(documented, f => Assert.Matches(FingerprintShape(), f));
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex FingerprintShape();

    [GeneratedRegex("fingerprint: \"([^\"]*)\"")]
    private static partial Regex DocumentedFingerprint();
}
