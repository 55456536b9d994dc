using AuditPlatform.Contracts;
using AuditPlatform.Notification.Responses;
using AuditPlatform.Notification.Responses.Recording;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Messaging;
using DiplomaticResponseRecorded = AuditPlatform.Notification.Ledger.DiplomaticResponseRecorded;

namespace AuditPlatform.Notification.Tests.Decisions;

public class ResponseSpecs
{
    private static readonly Guid BreachId = Guid.Parse("1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5");
    private static readonly Guid CaseId = Guid.Parse("5c2d7e9f-1b3a-4c6d-8e0f-2a4b6c8d0e1f");

    private static RecordPartnerResponse Assurance(Guid? id = null) => new()
    {
        ResponseId = id,
        Partner = "US-DOS",
        BreachId = BreachId,
        CaseId = CaseId,
        Kind = ResponseKinds.Assurance,
        Statement = "We'll do whatever we can to honour that.",
        Respondent = "US Ambassador",
        OccurredAt = new DateTimeOffset(2017, 5, 25, 13, 0, 0, TimeSpan.FromHours(1)),
        ValidUntil = new DateTimeOffset(2018, 5, 25, 12, 0, 0, TimeSpan.Zero),
        Scope = [Classifications.Secret, "UK-EYES-ONLY-UNTIL-RELEASE"],
    };

    private static DiplomaticResponse Existing(RecordPartnerResponse command, string hash) => new()
    {
        Id = DiplomaticResponse.StreamFor(command.ResponseId!.Value),
        Recorded = new DiplomaticResponseRecorded(command.ResponseId.Value, command.Partner, command.BreachId, command.CaseId, command.Kind, command.Statement,
            command.Respondent, command.ValidUntil, command.Scope, command.OccurredAt, hash),
    };

    [Fact]
    public void Normalising_gives_a_missing_client_id_the_fallback_and_times_in_utc()
    {
        var fallback = Guid.NewGuid();

        var command = RecordResponseDecision.Normalise(Assurance(), fallback);

        Assert.Equal(fallback, command.ResponseId);
        Assert.Equal(TimeSpan.Zero, command.OccurredAt.Offset);
        Assert.Equal(new DateTimeOffset(2017, 5, 25, 12, 0, 0, TimeSpan.Zero), command.OccurredAt);
        Assert.Equal(Idempotency.RequestHash(RecordResponseDecision.Normalise(Assurance(fallback), Guid.NewGuid())), Idempotency.RequestHash(command));
    }

    [Fact]
    public void An_assurance_is_recorded_with_its_breach_case_validity_and_scope()
    {
        var command = RecordResponseDecision.Normalise(Assurance(), Guid.NewGuid());
        RecordResponseDecision.Validate(command);

        var (outcome, recorded) = RecordResponseDecision.Decide(command, "h", null);

        Assert.Equal(new ResponseOutcome.Recorded(new ResponseReceipt(command.ResponseId!.Value), Replayed: false), outcome);
        Assert.NotNull(recorded);
        Assert.Equal(BreachId, recorded.BreachId);
        Assert.Equal(CaseId, recorded.CaseId);
        Assert.Equal(command.ValidUntil, recorded.ValidUntil);
        Assert.Equal(command.Scope, recorded.Scope);
        Assert.Equal("h", recorded.RequestSha256);
    }

    [Fact]
    public void The_same_client_id_and_body_replays_and_another_body_conflicts()
    {
        var command = RecordResponseDecision.Normalise(Assurance(Guid.NewGuid()), Guid.NewGuid());
        var hash = Idempotency.RequestHash(command);
        var existing = Existing(command, hash);
        var changed = command with { Statement = "Something else." };

        var (replay, none) = RecordResponseDecision.Decide(command, Idempotency.RequestHash(command), existing);
        var (conflict, nothing) = RecordResponseDecision.Decide(changed, Idempotency.RequestHash(changed), existing);

        Assert.Equal(new ResponseOutcome.Recorded(new ResponseReceipt(command.ResponseId!.Value), Replayed: true), replay);
        Assert.Null(none);
        Assert.IsType<ResponseOutcome.ClientIdConflict>(conflict);
        Assert.Null(nothing);
    }

    [Fact]
    public void Validity_and_scope_belong_to_assurances_only()
    {
        var denial = Assurance(Guid.NewGuid()) with { Kind = ResponseKinds.Denial };

        var invalid = Assert.Throws<InvalidCommandException>(() => RecordResponseDecision.Validate(denial));

        Assert.Equal(["validUntil", "scope"], invalid.Errors.Keys);
    }

    [Fact]
    public void An_assurance_must_hold_beyond_the_moment_it_is_given()
    {
        var command = Assurance(Guid.NewGuid()) with { ValidUntil = new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.Zero) };

        var invalid = Assert.Throws<InvalidCommandException>(() => RecordResponseDecision.Validate(command));

        Assert.Equal(["validUntil"], invalid.Errors.Keys);
    }

    [Fact]
    public void A_response_missing_its_fields_names_each_one()
    {
        var empty = new RecordPartnerResponse { Partner = null!, Kind = "apology", Statement = "", Respondent = null!, OccurredAt = default, ResponseId = Guid.Empty };

        var invalid = Assert.Throws<InvalidCommandException>(() => RecordResponseDecision.Validate(empty));

        Assert.Equal(["responseId", "partner", "kind", "statement", "respondent", "occurredAt"], invalid.Errors.Keys);
    }
}
