using System.Security.Cryptography;
using AuditPlatform.Contracts;
using AuditPlatform.Intake.Breaches;
using AuditPlatform.Intake.Breaches.Reporting;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.ServiceDefaults.Messaging;

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
        var (outcome, reported) = ReportBreachDecision.Decide(Report(Item), "h", null, Shared);

        Assert.NotNull(reported);
        Assert.Equal(["US-DHS", "US-FBI"], reported.ExposureSet);
        Assert.Null(reported.AttributedPartner);
        Assert.Equal(["NOFORN"], reported.Caveats);
        Assert.False(Assert.IsType<BreachOutcome.Reported>(outcome).Replayed);
    }

    [Fact]
    public void A_leak_by_fingerprint_attributes_the_partner_whose_copy_it_was()
    {
        var (_, reported) = ReportBreachDecision.Decide(Report(fingerprint: Keys.For(Item, "US-DHS")), "h", null, Shared);

        Assert.Equal("US-DHS", reported!.AttributedPartner);
        Assert.Equal(["US-DHS", "US-FBI"], reported.ExposureSet);
    }

    [Fact]
    public void A_leak_seen_before_the_item_was_shared_exposes_nobody()
    {
        var (_, reported) = ReportBreachDecision.Decide(Report(Item, observed: SharedAt.AddMinutes(-5)), "h", null, Shared);

        Assert.Empty(reported!.ExposureSet);
    }

    [Fact]
    public void A_fingerprint_of_another_item_is_refused()
    {
        var invalid = Assert.Throws<InvalidCommandException>(() =>
            ReportBreachDecision.Decide(Report(Item, Keys.For(Guid.NewGuid(), "US-FBI")), "h", null, Shared));

        Assert.Equal("fingerprint-mismatch", invalid.ProblemType);
    }

    [Fact]
    public void An_unknown_fingerprint_is_refused()
    {
        var invalid = Assert.Throws<InvalidCommandException>(() => ReportBreachDecision.Decide(Report(fingerprint: new string('0', 32)), "h", null, null));
        Assert.Equal("unknown-fingerprint", invalid.ProblemType);
    }

    [Fact]
    public void A_report_needs_an_item_or_a_fingerprint()
    {
        var invalid = Assert.Throws<InvalidCommandException>(() => ReportBreachDecision.Validate(Report()));
        Assert.Contains("disclosureId", invalid.Errors.Keys);
    }

    [Fact]
    public void Replaying_a_breach_returns_the_original_and_a_changed_body_conflicts()
    {
        var report = Report(Item);
        var (_, first) = ReportBreachDecision.Decide(report, "h1", null, Shared);
        var existing = new Breach { Id = Breach.StreamFor(report.BreachId!.Value), Report = first! };

        var (replay, none) = ReportBreachDecision.Decide(report, "h1", existing, Shared);
        var (conflict, _) = ReportBreachDecision.Decide(report, "h2", existing, Shared);

        Assert.Null(none);
        Assert.True(Assert.IsType<BreachOutcome.Reported>(replay).Replayed);
        Assert.IsType<BreachOutcome.ClientIdConflict>(conflict);
    }
}
