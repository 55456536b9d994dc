using System.Security.Cryptography;
using AuditPlatform.Contracts;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.Intake.Disclosures.Recording;
using AuditPlatform.Intake.Partners;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Messaging;
using Stored = AuditPlatform.Intake.Ledger;

namespace AuditPlatform.Intake.Tests.Decisions;

public class DisclosureDecisionSpecs
{
    private static readonly Fingerprints Keys = new(RandomNumberGenerator.GetBytes(32));
    private static readonly DateTimeOffset SharedAt = new(2017, 5, 22, 23, 30, 0, TimeSpan.Zero);

    private static Partner Active(string code) => new() { Id = Partner.StreamFor(code), Code = code, Name = code, Country = "US", ChannelKind = ChannelKinds.Bus };

    private static Dictionary<string, Partner> Partners(params Partner[] partners) => partners.ToDictionary(p => p.Code);

    private static RecordDisclosure Command(params string[] recipients) => new()
    {
        DisclosureId = Guid.NewGuid(),
        Originator = "UK-GMP",
        Title = "Scene photographs",
        Classification = Classifications.Secret,
        Caveats = ["UK-EYES-ONLY-UNTIL-RELEASE"],
        ContentSha256 = new string('a', 64),
        Recipients = recipients,
        SharedBy = "Detective Inspector",
        OccurredAt = SharedAt,
    };

    [Fact]
    public void Sharing_with_active_partners_records_one_fingerprint_per_recipient()
    {
        var command = Command("US-FBI", "US-DHS");
        var (outcome, change) = RecordDisclosureDecision.Decide(command, "h", null, Partners(Active("US-FBI"), Active("US-DHS")), Keys);

        var recorded = Assert.IsType<Stored.DisclosureRecorded>(change);
        Assert.Equal(["US-FBI", "US-DHS"], recorded.Recipients.Select(r => r.Partner));
        Assert.Equal(Keys.For(command.DisclosureId!.Value, "US-FBI"), recorded.Recipients[0].Fingerprint);
        Assert.NotEqual(recorded.Recipients[0].Fingerprint, recorded.Recipients[1].Fingerprint);
        var receipt = Assert.IsType<DisclosureOutcome.Recorded>(outcome);
        Assert.False(receipt.Replayed);
        Assert.Equal(recorded.Recipients[1].Fingerprint, receipt.Receipt.Fingerprints["US-DHS"]);
    }

    [Fact]
    public void Sharing_with_a_suspended_partner_is_refused_for_everyone_and_recorded()
    {
        var command = Command("US-FBI", "US-DHS");
        var suspended = Active("US-DHS") with { Sharing = Partner.Suspended };
        var (outcome, change) = RecordDisclosureDecision.Decide(command, "h", null, Partners(Active("US-FBI"), suspended), Keys);

        var blocked = Assert.IsType<Stored.SharingBlocked>(change);
        Assert.Equal(["US-DHS"], blocked.SuspendedPartners);
        Assert.Equal(["US-FBI", "US-DHS"], blocked.Recipients);
        Assert.Equal(["US-DHS"], Assert.IsType<DisclosureOutcome.Refused>(outcome).SuspendedPartners);
    }

    [Fact]
    public void A_repeated_refusal_is_answered_again_but_recorded_once()
    {
        var command = Command("US-DHS");
        var suspended = Partners(Active("US-DHS") with { Sharing = Partner.Suspended });
        var (_, first) = RecordDisclosureDecision.Decide(command, "h", null, suspended, Keys);
        var state = DisclosureHistory.Evolve(null, first!);

        var (outcome, second) = RecordDisclosureDecision.Decide(command, "h", state, suspended, Keys);

        Assert.IsType<DisclosureOutcome.Refused>(outcome);
        Assert.Null(second);
    }

    [Fact]
    public void An_unknown_recipient_is_invalid_and_names_the_partner()
    {
        var invalid = Assert.Throws<InvalidCommandException>(() =>
            RecordDisclosureDecision.Decide(Command("US-FBI", "XX-NOPE"), "h", null, Partners(Active("US-FBI")), Keys));

        Assert.Equal("unknown-partner", invalid.ProblemType);
        Assert.Contains("XX-NOPE", invalid.Errors["recipients"][0]);
    }

    [Fact]
    public void The_same_client_id_and_body_replays_the_original_receipt()
    {
        var command = Command("US-FBI");
        var hash = Idempotency.RequestHash(command);
        var (_, first) = RecordDisclosureDecision.Decide(command, hash, null, Partners(Active("US-FBI")), Keys);
        var state = DisclosureHistory.Evolve(null, first!);

        var (outcome, change) = RecordDisclosureDecision.Decide(command, Idempotency.RequestHash(command), state, Partners(Active("US-FBI")), Keys);

        Assert.Null(change);
        var replay = Assert.IsType<DisclosureOutcome.Recorded>(outcome);
        Assert.True(replay.Replayed);
        Assert.Equal(Keys.For(command.DisclosureId!.Value, "US-FBI"), replay.Receipt.Fingerprints["US-FBI"]);
    }

    [Fact]
    public void The_same_client_id_with_another_body_is_a_conflict()
    {
        var command = Command("US-FBI");
        var (_, first) = RecordDisclosureDecision.Decide(command, Idempotency.RequestHash(command), null, Partners(Active("US-FBI")), Keys);
        var changed = command with { Title = "Something else" };

        var (outcome, change) = RecordDisclosureDecision.Decide(changed, Idempotency.RequestHash(changed), DisclosureHistory.Evolve(null, first!), Partners(Active("US-FBI")), Keys);

        Assert.Null(change);
        Assert.IsType<DisclosureOutcome.ClientIdConflict>(outcome);
    }

    [Fact]
    public void A_disclosure_refused_while_suspended_can_be_shared_once_sharing_is_restored()
    {
        var command = Command("US-DHS");
        var (_, blocked) = RecordDisclosureDecision.Decide(command, "h", null, Partners(Active("US-DHS") with { Sharing = Partner.Suspended }), Keys);

        var (outcome, change) = RecordDisclosureDecision.Decide(command, "h", DisclosureHistory.Evolve(null, blocked!), Partners(Active("US-DHS")), Keys);

        Assert.IsType<Stored.DisclosureRecorded>(change);
        Assert.IsType<DisclosureOutcome.Recorded>(outcome);
    }

    [Theory]
    [InlineData("originator", "uk gmp")]
    [InlineData("classification", "SECRET")]
    [InlineData("contentSha256", "not-a-hash")]
    [InlineData("recipients", "")]
    [InlineData("title", "")]
    public void Validation_names_the_field_at_fault(string field, string value)
    {
        var command = Command("US-FBI");
        command = field switch
        {
            "originator" => command with { Originator = value },
            "classification" => command with { Classification = value },
            "contentSha256" => command with { ContentSha256 = value },
            "recipients" => command with { Recipients = [] },
            _ => command with { Title = value },
        };

        var invalid = Assert.Throws<InvalidCommandException>(() => RecordDisclosureDecision.Validate(command));

        Assert.Contains(field, invalid.Errors.Keys);
    }

    [Fact]
    public void A_recipient_named_twice_is_invalid()
    {
        var invalid = Assert.Throws<InvalidCommandException>(() => RecordDisclosureDecision.Validate(Command("US-FBI", "US-FBI")));
        Assert.Contains("recipients", invalid.Errors.Keys);
    }
}
