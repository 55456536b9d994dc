using System.Security.Cryptography;
using AuditPlatform.Contracts;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.Intake.Disclosures.Recording;
using AuditPlatform.Intake.Partners;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using Stored = AuditPlatform.Intake.Ledger;

namespace AuditPlatform.Intake.Tests.Decisions;

public class DisclosureDecisionSpecs
{
    private static readonly Fingerprints Keys = new(RandomNumberGenerator.GetBytes(32));
    private static readonly DateTimeOffset SharedAt = new(2017, 5, 22, 23, 30, 0, TimeSpan.Zero);

    private static Partner Active(string code) => new() { Id = Partner.StreamFor(code), Code = code, Name = code, Country = "US", ChannelKind = ChannelKinds.Bus };

    private static readonly RecordDisclosureSlice Slice = new(Keys);

    private static Recipients Partners(params Partner[] partners) => new(partners.ToDictionary(p => p.Code));

    private static Decision<Stored.DisclosureEvent> Decide(RecordDisclosure command, Disclosure? state, Recipients partners, string hash = "h") =>
        Slice.Decide(command, state, partners, new CommandContext(SharedAt, hash));

    private static FieldErrors Validate(RecordDisclosure command)
    {
        var errors = new FieldErrors();
        Slice.Validate(command, errors);
        return errors;
    }

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

        var decision = Decide(command, null, Partners(Active("US-FBI"), Active("US-DHS")));

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        var recorded = Assert.IsType<Stored.DisclosureRecorded>(Assert.Single(decision.Events));
        Assert.Equal(["US-FBI", "US-DHS"], recorded.Recipients.Select(r => r.Partner));
        Assert.Equal(recorded.Recipients.Count, recorded.Recipients.Select(r => r.Fingerprint).Distinct().Count());
        Assert.Equal(Keys.For(command.DisclosureId!.Value, "US-FBI"), recorded.Recipients[0].Fingerprint);
    }

    [Fact]
    public void A_suspended_recipient_refuses_the_whole_share_and_the_refusal_is_recorded()
    {
        var suspended = Active("US-DHS") with { Sharing = Partner.Suspended };

        var decision = Decide(Command("US-FBI", "US-DHS"), null, Partners(Active("US-FBI"), suspended));

        Assert.Equal(Verdict.Refused, decision.Verdict);
        Assert.Equal("sharing-suspended", decision.Refusal!.ProblemType);
        Assert.True(decision.Refusal.Kept);
        var blocked = Assert.IsType<Stored.SharingBlocked>(Assert.Single(decision.Events));
        Assert.Equal(["US-DHS"], blocked.SuspendedPartners);
        Assert.Equal((Classifications.Secret, "UK-EYES-ONLY-UNTIL-RELEASE"), (blocked.Classification, Assert.Single(blocked.Caveats!)));
        Assert.Equal(Command().ContentSha256, blocked.ContentSha256);
    }

    [Fact]
    public void A_refusal_recorded_before_it_kept_what_was_asked_reads_back_without_it()
    {
        var old = new Stored.SharingBlocked(Guid.NewGuid(), "UK-GMP", "Scene photographs", ["US-DHS"], ["US-DHS"], "Detective Inspector", SharedAt, new string('f', 64));

        var state = DisclosureHistory.Evolve(null, old)!;

        Assert.Equal((Disclosure.Blocked, string.Empty, string.Empty), (state.Status, state.Classification, state.ContentSha256));
        Assert.Empty(state.Caveats);
    }

    [Fact]
    public void A_repeated_refusal_is_answered_again_but_recorded_once()
    {
        var command = Command("US-DHS");
        var suspended = Partners(Active("US-DHS") with { Sharing = Partner.Suspended });
        var first = Decide(command, null, suspended);
        var state = DisclosureHistory.Evolve(null, first.Events.Single());

        var second = Decide(command, state, suspended);

        Assert.Equal(Verdict.Refused, second.Verdict);
        Assert.True(second.Refusal!.Kept);
        Assert.Empty(second.Events);
    }

    [Fact]
    public void An_unknown_recipient_is_refused_naming_it()
    {
        var decision = Decide(Command("US-FBI", "XX-NOPE"), null, Partners(Active("US-FBI")));

        Assert.Equal(Verdict.Refused, decision.Verdict);
        Assert.Equal(RefusalKind.Unusable, decision.Refusal!.Kind);
        Assert.Contains("XX-NOPE", Assert.Single(decision.Refusal.Errors["recipients"]), StringComparison.Ordinal);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void Only_a_recorded_disclosure_answers_a_repeat_of_its_request()
    {
        var command = Command("US-DHS");
        var blocked = DisclosureHistory.Evolve(null, Decide(command, null, Partners(Active("US-DHS") with { Sharing = Partner.Suspended })).Events.Single())!;
        var recorded = DisclosureHistory.Evolve(null, Decide(command, null, Partners(Active("US-DHS")), "the-hash").Events.Single())!;

        Assert.Null(Slice.RecordedRequest(blocked));
        Assert.Equal("the-hash", Slice.RecordedRequest(recorded));
        Assert.Equal(new ClientId("disclosureId", command.DisclosureId!.Value), Slice.ClientId(command));
    }

    [Fact]
    public void A_disclosure_refused_while_suspended_is_recorded_once_sharing_is_restored()
    {
        var command = Command("US-DHS");
        var blocked = Decide(command, null, Partners(Active("US-DHS") with { Sharing = Partner.Suspended })).Events.Single();

        var decision = Decide(command, DisclosureHistory.Evolve(null, blocked), Partners(Active("US-DHS")));

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        Assert.IsType<Stored.DisclosureRecorded>(Assert.Single(decision.Events));
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

        Assert.Contains(field, Validate(command).ToDictionary().Keys);
    }

    [Fact]
    public void A_recipient_named_twice_is_invalid() =>
        Assert.Contains("recipients", Validate(Command("US-FBI", "US-FBI")).ToDictionary().Keys);
}
