using System.Security.Claims;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Escalation.Cases.Escalating;

public sealed record EscalateBody(string? By, string? Reason);

/// <summary>An operator raises the case one level without waiting for its deadline.</summary>
public sealed record EscalateCase(Guid CaseId, string By, string Reason) : CaseCommand(CaseId);

/// <summary>Raises one level with who and why, running the new level's actions; at the top of the ladder it is refused.</summary>
public sealed class EscalateCaseSlice(EscalationPolicy policy) : CaseSlice<EscalateCase>
{
    public override void Validate(EscalateCase command, FieldErrors errors)
    {
        errors.Text("reason", command.Reason);
        OperatorActions.ValidateActor(command.By, errors);
    }

    public override Decision<CaseEvent> Decide(EscalateCase command, EscalationCase? state, CommandContext context) =>
        CaseRefusals.OperatorCannotAct(state, out var refusal) ? Decision<CaseEvent>.Refuse(refusal)
        : policy.Above(state.Level) is { } above ? Decision<CaseEvent>.Accept(CaseLadder.Raise(state, above, command.By, command.Reason, context.Now))
        : Decision<CaseEvent>.Refuse(CaseRefusals.AtTopLevel);
}

public static class EscalateCaseEndpoint
{
    public static void MapEscalateCase(this IEndpointRouteBuilder cases) =>
        cases.MapPost("/{id:guid}/escalate", async (Guid id, EscalateBody body, ClaimsPrincipal user, CommandHandler handler, EscalateCaseSlice slice, CancellationToken ct) =>
            (await handler.HandleAsync(slice, new EscalateCase(id, OperatorActions.Actor(body.By, user), body.Reason!), Transports.Http, ct)).Answer())
            .AsOperatorAction("Raise a case one level by hand.");
}
