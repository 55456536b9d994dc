using System.Security.Claims;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Escalation.Cases.Assigning;

public sealed record AssignBody(string? By, string? To);

/// <summary>An operator hands the case to someone.</summary>
public sealed record AssignCase(Guid CaseId, string By, string To) : CaseCommand(CaseId);

/// <summary>Names the assignee; assigning the same person again changes nothing.</summary>
public sealed class AssignCaseSlice : CaseSlice<AssignCase>
{
    public override void Validate(AssignCase command, FieldErrors errors)
    {
        OperatorActions.ValidateActor(command.By, errors);
        errors.Text("to", command.To, 200);
    }

    public override Decision<CaseEvent> Decide(AssignCase command, EscalationCase? state, CommandContext context) =>
        CaseRefusals.OperatorCannotAct(state, out var refusal) ? Decision<CaseEvent>.Refuse(refusal)
        : state.Assignee == command.To ? Decision<CaseEvent>.AlreadyDone
        : Decision<CaseEvent>.Accept(new CaseAssigned(state.CaseId, command.By, command.To, context.Now));
}

public static class AssignCaseEndpoint
{
    public static void MapAssignCase(this IEndpointRouteBuilder cases) =>
        cases.MapPost("/{id:guid}/assign", async (Guid id, AssignBody body, ClaimsPrincipal user, CommandHandler handler, AssignCaseSlice slice, CancellationToken ct) =>
            (await handler.HandleAsync(slice, new AssignCase(id, OperatorActions.Actor(body.By, user), body.To!), Transports.Http, ct)).Answer())
            .AsOperatorAction("Assign a case to someone.");
}
