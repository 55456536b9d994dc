using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuditPlatform.ServiceDefaults.Tests;

/// <summary>The two faces of a decision: the HTTP status and problem of each refusal kind, and the bus's <c>_error</c> reason.</summary>
public class CommandPathSpecs
{
    private sealed record State(string Name);

    private static CommandOutcome<State, object> Refused(Refusal refusal, params object[] recorded) =>
        new(Decision<object>.Refuse(refusal, recorded), null);

    [Theory]
    [InlineData(RefusalKind.Unusable, StatusCodes.Status422UnprocessableEntity)]
    [InlineData(RefusalKind.NotFound, StatusCodes.Status404NotFound)]
    [InlineData(RefusalKind.Conflict, StatusCodes.Status409Conflict)]
    [InlineData(RefusalKind.Forbidden, StatusCodes.Status403Forbidden)]
    [InlineData(RefusalKind.Unavailable, StatusCodes.Status503ServiceUnavailable)]
    public void Each_refusal_kind_answers_with_its_status_and_problem_type(RefusalKind kind, int status)
    {
        var problem = Assert.IsType<ProblemHttpResult>(HttpOutcomes.Problem(new Refusal(kind, "some-refusal", "Refused.", "Because.")));

        Assert.Equal(status, problem.StatusCode);
        Assert.Equal(Problems.Type("some-refusal"), problem.ProblemDetails.Type);
        Assert.Equal("Because.", problem.ProblemDetails.Detail);
    }

    [Fact]
    public void Malformed_fields_are_a_validation_problem_naming_each_field()
    {
        var errors = new FieldErrors();
        errors.Add("title", "is required.");

        var problem = Assert.IsType<ValidationProblem>(HttpOutcomes.Problem(Refusal.Invalid(errors)));

        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal(["is required."], problem.ProblemDetails.Errors["title"]);
    }

    [Fact]
    public void A_reused_client_id_on_the_bus_gives_the_documented_reason()
    {
        var id = Guid.Parse("d098c606-54cf-473b-a17d-c111939047a5");

        var refused = Assert.Throws<InvalidCommandException>(() => Refused(Refusal.ClientIdConflict("disclosureId", id)).AcknowledgeOrRefuse());

        Assert.Equal("client-id-conflict", refused.ProblemType);
        Assert.Equal($"disclosureId '{id}' was already used for a different request.", refused.Message);
        Assert.True(refused.Counted);
    }

    [Fact]
    public void A_bus_refusal_with_fields_names_each_field_in_its_reason()
    {
        var refused = Assert.Throws<InvalidCommandException>(() =>
            Refused(Refusal.Unusable("unknown-partner", "Unknown recipient.", "recipients", "'XX' is not a registered partner.")).AcknowledgeOrRefuse());

        Assert.Equal("Unknown recipient. recipients: 'XX' is not a registered partner.", refused.Message);
        Assert.Equal(["'XX' is not a registered partner."], refused.Errors["recipients"]);
    }

    [Fact]
    public void A_refusal_the_ledger_keeps_is_acknowledged_on_the_bus()
    {
        var kept = new Refusal(RefusalKind.Conflict, "sharing-suspended", "Sharing is suspended.", "Refused and recorded.") { Kept = true };

        Assert.Null(Record.Exception(() => Refused(kept, "the recorded refusal").AcknowledgeOrRefuse()));
        Assert.Null(Record.Exception(() => Refused(kept).AcknowledgeOrRefuse()));
        Assert.Throws<InvalidCommandException>(() => Refused(kept with { Kept = false }).AcknowledgeOrRefuse());
    }

    [Fact]
    public void Accepting_nothing_is_already_done()
    {
        Assert.Equal(Verdict.AlreadyDone, Decision<object>.Accept().Verdict);
        Assert.Equal(Verdict.Accepted, Decision<object>.Accept("an event").Verdict);
    }
}
