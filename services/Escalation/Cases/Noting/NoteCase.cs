using System.Security.Claims;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Escalation.Cases.Noting;

public sealed record NoteBody(string? By, string? Text);

/// <summary>An operator writes a note into the case's history.</summary>
public sealed record NoteCase(Guid CaseId, string By, string Text) : CaseCommand(CaseId);

/// <summary>Every note is kept, with who wrote it, even the same words twice.</summary>
public sealed class NoteCaseSlice : CaseSlice<NoteCase>
{
    public override void Validate(NoteCase command, FieldErrors errors)
    {
        errors.Text("text", command.Text);
        OperatorActions.ValidateActor(command.By, errors);
    }

    public override Decision<CaseEvent> Decide(NoteCase command, EscalationCase? state, CommandContext context) =>
        CaseRefusals.OperatorCannotAct(state, out var refusal)
            ? Decision<CaseEvent>.Refuse(refusal)
            : Decision<CaseEvent>.Accept(new CaseNoted(state.CaseId, command.By, command.Text, context.Now));
}

public static class NoteCaseEndpoint
{
    public static void MapNoteCase(this IEndpointRouteBuilder cases) =>
        cases.MapPost("/{id:guid}/note", async (Guid id, NoteBody body, ClaimsPrincipal user, CommandHandler handler, NoteCaseSlice slice, CancellationToken ct) =>
            (await handler.HandleAsync(slice, new NoteCase(id, OperatorActions.Actor(body.By, user), body.Text!), Transports.Http, ct)).Answer())
            .AsOperatorAction("Add a note to a case.");
}
