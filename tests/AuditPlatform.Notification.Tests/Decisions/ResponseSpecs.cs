using AuditPlatform.Contracts;
using AuditPlatform.Notification.Responses;
using AuditPlatform.Notification.Responses.Recording;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
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

    private static readonly RecordResponseSlice Slice = new();

    private static Dictionary<string, string[]> ErrorsOf(RecordPartnerResponse command)
    {
        var errors = new FieldErrors();
        Slice.Validate(command, errors);
        return errors.ToDictionary();
    }

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

        var command = RecordResponseSlice.Normalise(Assurance(), fallback);

        Assert.Equal(fallback, command.ResponseId);
        Assert.Equal(TimeSpan.Zero, command.OccurredAt.Offset);
        Assert.Equal(new DateTimeOffset(2017, 5, 25, 12, 0, 0, TimeSpan.Zero), command.OccurredAt);
        Assert.Equal(Idempotency.RequestHash(RecordResponseSlice.Normalise(Assurance(fallback), Guid.NewGuid())), Idempotency.RequestHash(command));
    }

    [Fact]
    public void An_assurance_is_recorded_with_its_breach_case_validity_and_scope()
    {
        var command = RecordResponseSlice.Normalise(Assurance(), Guid.NewGuid());
        Assert.Empty(ErrorsOf(command));

        var decision = Slice.Decide(command, null, new CommandContext(DateTimeOffset.UnixEpoch, "h"));

        Assert.Equal(Verdict.Accepted, decision.Verdict);
        var recorded = Assert.IsType<DiplomaticResponseRecorded>(Assert.Single(decision.Events));
        Assert.Equal(command.ResponseId, recorded.ResponseId);
        Assert.Equal(BreachId, recorded.BreachId);
        Assert.Equal(CaseId, recorded.CaseId);
        Assert.Equal(command.ValidUntil, recorded.ValidUntil);
        Assert.Equal(command.Scope, recorded.Scope);
        Assert.Equal("h", recorded.RequestSha256);
        Assert.Equal(recorded, Slice.Evolve(null, recorded)!.Recorded);
    }

    [Fact]
    public void The_client_id_is_the_response_id_and_a_recorded_response_is_known_by_its_request()
    {
        // The handler answers a repeat of the recorded request as already done, and another request under the same id as a conflict.
        var command = RecordResponseSlice.Normalise(Assurance(Guid.NewGuid()), Guid.NewGuid());
        var hash = Idempotency.RequestHash(command);
        var changed = command with { Statement = "Something else." };

        Assert.Equal(new ClientId("responseId", command.ResponseId!.Value), Slice.ClientId(command));
        Assert.Equal(hash, Slice.RecordedRequest(Existing(command, hash)));
        Assert.Equal(ClientIdOutcome.Replay, Idempotency.Decide(hash, Idempotency.RequestHash(command)));
        Assert.NotEqual(ClientIdOutcome.Replay, Idempotency.Decide(hash, Idempotency.RequestHash(changed)));
    }

    [Fact]
    public void Validity_and_scope_belong_to_assurances_only()
    {
        var denial = Assurance(Guid.NewGuid()) with { Kind = ResponseKinds.Denial };

        Assert.Equal(["validUntil", "scope"], ErrorsOf(denial).Keys);
    }

    [Fact]
    public void An_assurance_must_hold_beyond_the_moment_it_is_given()
    {
        var command = Assurance(Guid.NewGuid()) with { ValidUntil = new DateTimeOffset(2017, 1, 1, 0, 0, 0, TimeSpan.Zero) };

        Assert.Equal(["validUntil"], ErrorsOf(command).Keys);
    }

    [Fact]
    public void A_response_missing_its_fields_names_each_one()
    {
        var empty = new RecordPartnerResponse { Partner = null!, Kind = "apology", Statement = "", Respondent = null!, OccurredAt = default, ResponseId = Guid.Empty };

        Assert.Equal(["responseId", "partner", "kind", "statement", "respondent", "occurredAt"], ErrorsOf(empty).Keys);
    }
}
