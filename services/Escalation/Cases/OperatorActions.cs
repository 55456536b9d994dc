using System.Security.Claims;
using AuditPlatform.Escalation.Cases.Reading;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;

namespace AuditPlatform.Escalation.Cases;

/// <summary>What the operators' actions on a case share over HTTP: who acts, the answer, and who may.</summary>
public static class OperatorActions
{
    /// <summary>Who acts: the body's <c>by</c>, or else the token's subject; every action is recorded with it.</summary>
    public static string Actor(string? by, ClaimsPrincipal user) => string.IsNullOrWhiteSpace(by) ? user.Name() : by;

    /// <summary>Who acts is named in at most 200 characters.</summary>
    public static void ValidateActor(string by, FieldErrors errors) => errors.Text("by", by, 200);

    /// <summary>The answer to an action: the case with its history (also when the action changed nothing), or the refusal.</summary>
    public static IResult Answer(this CommandOutcome<EscalationCase, CaseEvent> outcome) =>
        outcome.ToHttp(c => TypedResults.Ok(CaseView.WithHistory(c)));

    /// <summary>Operators and admins act; no query parameters.</summary>
    public static RouteHandlerBuilder AsOperatorAction(this RouteHandlerBuilder endpoint, string summary) =>
        endpoint.AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary(summary);
}
