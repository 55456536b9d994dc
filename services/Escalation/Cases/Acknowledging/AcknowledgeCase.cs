using System.Security.Claims;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Escalation.Cases.Acknowledging;

public sealed record AcknowledgeBody(string? By);

/// <summary>An operator takes note that the case is being looked at.</summary>
public sealed record AcknowledgeCase(Guid CaseId, string By) : CaseCommand(CaseId);

/// <summary>Records who acknowledged, once; a responded case stays responded.</summary>
public sealed class AcknowledgeCaseSlice : CaseSlice<AcknowledgeCase>
{
    public override void Validate(AcknowledgeCase command, FieldErrors errors) => OperatorActions.ValidateActor(command.By, errors);

    public override Decision<CaseEvent> Decide(AcknowledgeCase command, EscalationCase? state, CommandContext context) =>
        CaseRefusals.OperatorCannotAct(state, out var refusal) ? Decision<CaseEvent>.Refuse(refusal)
        : state.IsAcknowledged ? Decision<CaseEvent>.AlreadyDone
        : Decision<CaseEvent>.Accept(new CaseAcknowledged(state.CaseId, command.By, context.Now));
}

public static class AcknowledgeCaseEndpoint
{
    public static void MapAcknowledgeCase(this IEndpointRouteBuilder cases) =>
        cases.MapPost("/{id:guid}/acknowledge", async (Guid id, AcknowledgeBody body, ClaimsPrincipal user, CommandHandler handler, AcknowledgeCaseSlice slice, CancellationToken ct) =>
            (await handler.HandleAsync(slice, new AcknowledgeCase(id, OperatorActions.Actor(body.By, user)), Transports.Http, ct)).Answer())
            .AsOperatorAction("Acknowledge a case.");
}
