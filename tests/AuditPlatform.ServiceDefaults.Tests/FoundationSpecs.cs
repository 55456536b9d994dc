using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.ServiceDefaults.Tests;

public class FoundationSpecs
{
    private sealed record Request(Guid Id, string Title, DateTimeOffset At);

    [Fact]
    public void Idempotency_replays_the_same_request_and_flags_a_different_one()
    {
        var at = new DateTimeOffset(2017, 5, 24, 18, 0, 0, TimeSpan.Zero);
        var request = new Request(Guid.NewGuid(), "photos", at);
        var hash = Idempotency.RequestHash(request);

        Assert.Equal(ClientIdOutcome.New, Idempotency.Decide(null, hash));
        Assert.Equal(ClientIdOutcome.Replay, Idempotency.Decide(hash, Idempotency.RequestHash(request with { })));
        Assert.Equal(ClientIdOutcome.Conflict, Idempotency.Decide(hash, Idempotency.RequestHash(request with { Title = "identity" })));
        Assert.Matches("^[0-9a-f]{64}$", hash);
    }

    [Fact]
    public void Stream_keys_carry_their_kind()
    {
        var id = Guid.NewGuid();
        Assert.Equal($"disclosure/{id}", StreamKey.For(StreamKinds.Disclosure, id));
        Assert.Equal(("partner", "US-FBI"), StreamKey.Parse("partner/US-FBI"));
    }

    [Fact]
    public void Each_service_gets_its_own_daemon_lock()
    {
        string[] services = ["intake", "notification", "escalation", "audit"];
        var locks = services.Select(LedgerSetup.DaemonLockIdFor).ToList();

        Assert.Equal(locks.Count, locks.Distinct().Count());
        Assert.All(locks, l => Assert.InRange(l, 1, int.MaxValue));
        Assert.Equal(LedgerSetup.DaemonLockIdFor("intake"), locks[0]);
    }

    [Theory]
    [InlineData("US-DHS", true)]
    [InlineData("UK-GMP", true)]
    [InlineData("us-dhs", false)]
    [InlineData("U", false)]
    [InlineData("US DHS", false)]
    [InlineData("<script>", false)]
    [InlineData("-US", false)]
    public void Partner_codes_are_upper_case_letters_digits_and_dashes(string code, bool valid)
    {
        var errors = new FieldErrors();
        errors.PartnerCode("code", code);
        Assert.Equal(!valid, errors.Any);
    }

    [Theory]
    [InlineData("3", 3L, false)]
    [InlineData("", null, false)]
    [InlineData(null, null, false)]
    [InlineData("0", null, true)]
    [InlineData("1001", null, true)]
    [InlineData("ten", null, true)]
    [InlineData("1.5", null, true)]
    public void A_whole_number_query_parameter_is_read_in_range_or_named(string? value, long? expected, bool named)
    {
        var errors = new FieldErrors();
        Assert.Equal(expected, errors.WholeNumber("limit", value, 1, 1000));
        Assert.Equal(named, errors.ToDictionary().ContainsKey("limit"));
    }

    [Fact]
    public void Query_times_are_read_in_utc_and_a_range_out_of_order_names_its_lower_bound()
    {
        var errors = new FieldErrors();
        var from = errors.Instant("from", "2017-05-24T20:00:00+02:00");
        var to = errors.Instant("to", "2017-05-24T17:00:00Z");
        Assert.Equal((new DateTimeOffset(2017, 5, 24, 18, 0, 0, TimeSpan.Zero), TimeSpan.Zero), (from!.Value, from.Value.Offset));
        Assert.False(errors.Any);

        errors.Ordered("from", from, "to", to);
        Assert.Null(errors.Instant("asOf", "yesterday"));
        Assert.Equal(["from", "asOf"], errors.ToDictionary().Keys);
    }

    [Theory]
    [InlineData("sharing_suspended", false)]
    [InlineData("US\u0000", true)]
    [InlineData("line\nbreak", true)]
    public void Plain_text_refuses_control_characters(string value, bool named)
    {
        var errors = new FieldErrors();
        errors.Plain("q", System.Text.RegularExpressions.Regex.Unescape(value));
        Assert.Equal(named, errors.Any);
    }

    [Fact]
    public void Field_errors_become_an_invalid_command_naming_every_field()
    {
        var errors = new FieldErrors();
        errors.Text("title", "", 10);
        errors.Text("summary", new string('x', 11), 10);
        errors.OneOf("kind", "cosmic", ["bus", "webhook"]);
        errors.Time("at", default(DateTimeOffset));
        errors.List("recipients", Array.Empty<string>());

        var invalid = Assert.Throws<InvalidCommandException>(() => errors.ThrowIfAny());

        Assert.Equal(["title", "summary", "kind", "at", "recipients"], invalid.Errors.Keys);
        Assert.Contains("title: is required.", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_integrator_may_act_only_for_its_own_partner_while_operators_may_act_for_any()
    {
        Assert.True(DevTokens.Principal(Roles.Integrator, "US-FBI").MayActFor("US-FBI"));
        Assert.False(DevTokens.Principal(Roles.Integrator, "US-FBI").MayActFor("US-DHS"));
        Assert.True(DevTokens.Principal(Roles.Operator).MayActFor("US-DHS"));
    }
}
