using System.Security.Claims;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Escalation.Cases.Resolving;

public sealed record ResolveBody(string? By, string? Reason, bool RestoreSharing);

/// <summary>An operator closes the case, optionally asking Intake to restore sharing with its partners.</summary>
public sealed record ResolveCase(Guid CaseId, string By, string Reason, bool RestoreSharing) : CaseCommand(CaseId);

/// <summary>Resolves the case; with <c>RestoreSharing</c>, a restoration request for each of its partners.</summary>
public sealed class ResolveCaseSlice : CaseSlice<ResolveCase>
{
    public override void Validate(ResolveCase command, FieldErrors errors)
    {
        errors.Text("reason", command.Reason);
        OperatorActions.ValidateActor(command.By, errors);
    }

    public override Decision<CaseEvent> Decide(ResolveCase command, EscalationCase? state, CommandContext context)
    {
        if (CaseRefusals.OperatorCannotAct(state, out var refusal))
        {
            return Decision<CaseEvent>.Refuse(refusal);
        }

        List<CaseEvent> events = [new CaseResolved(state.CaseId, command.By, command.Reason, command.RestoreSharing, context.Now)];
        if (command.RestoreSharing)
        {
            events.AddRange(state.Partners.Select(p => new SharingRestorationRequested(state.CaseId, p, command.By, command.Reason, context.Now)));
        }

        return Decision<CaseEvent>.Accept(events);
    }
}

public static class ResolveCaseEndpoint
{
    public static void MapResolveCase(this IEndpointRouteBuilder cases) =>
        cases.MapPost("/{id:guid}/resolve", async (Guid id, ResolveBody body, ClaimsPrincipal user, CommandHandler handler, ResolveCaseSlice slice, CancellationToken ct) =>
            (await handler.HandleAsync(slice, new ResolveCase(id, OperatorActions.Actor(body.By, user), body.Reason!, body.RestoreSharing), Transports.Http, ct)).Answer())
            .AsOperatorAction("Resolve a case, optionally restoring sharing with its partners.");
}
