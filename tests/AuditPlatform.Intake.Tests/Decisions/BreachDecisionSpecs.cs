using System.Security.Cryptography;
using AuditPlatform.Contracts;
using AuditPlatform.Intake.Breaches;
using AuditPlatform.Intake.Breaches.Reporting;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Intake.Tests.Decisions;

public class BreachDecisionSpecs
{
    private static readonly Fingerprints Keys = new(RandomNumberGenerator.GetBytes(32));
    private static readonly Guid Item = Guid.NewGuid();
    private static readonly DateTimeOffset SharedAt = new(2017, 5, 22, 23, 30, 0, TimeSpan.Zero);

    private static readonly Disclosure Shared = DisclosureHistory.Evolve(null, new Ledger.DisclosureRecorded(
        Item, "UK-GMP", "Identity of the attacker", Classifications.Secret, ["NOFORN"], new string('b', 64),
        [new Ledger.Recipient("US-FBI", Keys.For(Item, "US-FBI")), new Ledger.Recipient("US-DHS", Keys.For(Item, "US-DHS"))],
        "GMP", SharedAt, "h"))!;

    private static readonly ReportBreachSlice Slice = new();

    private static Decision<Ledger.BreachEvent> Decide(ReportBreach command, Disclosure? disclosure, string hash = "h") =>
        Slice.Decide(command, null, new LeakedItem(disclosure), new CommandContext(SharedAt.AddDays(1), hash));

    private static Ledger.BreachReported Reported(ReportBreach command, Disclosure? disclosure) =>
        Assert.IsType<Ledger.BreachReported>(Assert.Single(Decide(command, disclosure).Events));

    private static ReportBreach Report(Guid? disclosure = null, string? fingerprint = null, DateTimeOffset? observed = null) => new()
    {
        BreachId = Guid.NewGuid(),
        DisclosureId = disclosure,
        Fingerprint = fingerprint,
        Outlet = "US broadcaster",
        ObservedAt = observed ?? SharedAt.AddHours(20),
        Severity = Severities.High,
        Description = "Name published",
        ReportedBy = "GMP press office",
    };

    [Fact]
    public void A_leak_by_item_exposes_every_holder_and_attributes_nobody()
    {
        var decision = Decide(Report(Item), Shared);

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        var reported = Assert.IsType<Ledger.BreachReported>(Assert.Single(decision.Events));
        Assert.Equal(["US-DHS", "US-FBI"], reported.ExposureSet);
        Assert.Null(reported.AttributedPartner);
        Assert.Equal(["NOFORN"], reported.Caveats);
    }

    [Fact]
    public void A_leak_by_fingerprint_attributes_the_partner_whose_copy_it_was()
    {
        var reported = Reported(Report(fingerprint: Keys.For(Item, "US-DHS")), Shared);

        Assert.Equal("US-DHS", reported.AttributedPartner);
        Assert.Equal(["US-DHS", "US-FBI"], reported.ExposureSet);
    }

    [Fact]
    public void A_leak_seen_before_the_item_was_shared_exposes_nobody() =>
        Assert.Empty(Reported(Report(Item, observed: SharedAt.AddMinutes(-5)), Shared).ExposureSet);

    [Fact]
    public void A_fingerprint_of_another_item_is_refused()
    {
        var decision = Decide(Report(Item, Keys.For(Guid.NewGuid(), "US-FBI")), Shared);

        Assert.Equal("fingerprint-mismatch", decision.Refusal!.ProblemType);
        Assert.Empty(decision.Events);
    }

    [Fact]
    public void An_unknown_fingerprint_is_refused_naming_the_field()
    {
        var refusal = Decide(Report(fingerprint: new string('0', 32)), null).Refusal!;

        Assert.Equal("unknown-fingerprint", refusal.ProblemType);
        Assert.Equal(RefusalKind.Unusable, refusal.Kind);
        Assert.Contains("fingerprint", refusal.Errors.Keys);
    }

    [Fact]
    public void A_report_needs_an_item_or_a_fingerprint()
    {
        var errors = new FieldErrors();
        Slice.Validate(Report(), errors);
        Assert.Contains("disclosureId", errors.ToDictionary().Keys);
    }

    [Fact]
    public void A_breach_answers_a_repeat_of_the_request_that_reported_it()
    {
        var report = Report(Item);
        var state = BreachHistory.Evolve(null, Decide(report, Shared, "h1").Events.Single());

        Assert.Equal("h1", Slice.RecordedRequest(state!));
        Assert.Equal(new ClientId("breachId", report.BreachId!.Value), Slice.ClientId(report));
    }
}
