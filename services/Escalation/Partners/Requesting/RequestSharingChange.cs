using System.Security.Claims;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Dashboard;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using Marten;

namespace AuditPlatform.Escalation.Partners.Requesting;

public sealed record SuspendBody(string? By, string? Reason, Guid? CaseId);

public sealed record RestoreBody(string? By, string? Reason);

/// <summary>What an operator asked of a partner's sharing; Intake applies it when the command arrives.</summary>
public sealed record SharingRequestReceipt(string Partner, string Requested, Guid? CaseId, string Stream);

/// <summary>
/// An operator asks Intake to suspend or restore sharing with a partner. The request is recorded on <paramref name="Stream"/>:
/// the case it names when that case exists, else an operator-action stream of its own.
/// </summary>
public sealed record RequestSharingChange(string Partner, string Requested, string By, string Reason, Guid? CaseId, string Stream)
{
    public const string Suspend = "suspend";
    public const string Restore = "restore";
}

/// <summary>Records the request; the ledger forwarder sends it to Intake, which owns the agreement.</summary>
public sealed class RequestSharingChangeSlice : CommandSlice<RequestSharingChange, EscalationCase, CaseEvent>
{
    public override string StreamFor(RequestSharingChange command) => command.Stream;

    public override void Validate(RequestSharingChange command, FieldErrors errors)
    {
        errors.PartnerCode("code", command.Partner);
        OperatorActions.ValidateActor(command.By, errors);
        errors.Text("reason", command.Reason);
    }

    public override Decision<CaseEvent> Decide(RequestSharingChange command, EscalationCase? state, CommandContext context) =>
        Decision<CaseEvent>.Accept(command.Requested == RequestSharingChange.Suspend
            ? new SharingSuspensionRequested(command.CaseId, command.Partner, command.By, command.Reason, context.Now)
            : new SharingRestorationRequested(command.CaseId, command.Partner, command.By, command.Reason, context.Now));

    public override EscalationCase? Evolve(EscalationCase? state, CaseEvent change) => CaseHistory.Evolve(state, change);

    /// <summary>A request recorded on a case shows in its history, so that case's dashboards hear of it.</summary>
    public override Task KeepAsync(IDocumentSession session, RequestSharingChange command, IReadOnlyList<CaseEvent> appended, CancellationToken cancellationToken)
    {
        if (command.CaseId is { } caseId && command.Stream == EscalationCase.StreamFor(caseId))
        {
            CaseFeed.Announce(session, caseId);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Operators suspend or restore a partner here; answered 202 with the stream the request is recorded on.</summary>
public static class RequestSharingChangeEndpoints
{
    public static void MapRequestSharingChange(this IEndpointRouteBuilder partners)
    {
        partners.MapPost("/{code}/suspend", (string code, SuspendBody body, ClaimsPrincipal user, IQuerySession session, CommandHandler handler, RequestSharingChangeSlice slice, CancellationToken ct) =>
            RequestAsync(code, RequestSharingChange.Suspend, body.By, body.Reason, body.CaseId, user, session, handler, slice, ct))
            .AsOperatorAction("Ask Intake to suspend sharing with a partner.");
        partners.MapPost("/{code}/restore", (string code, RestoreBody body, ClaimsPrincipal user, IQuerySession session, CommandHandler handler, RequestSharingChangeSlice slice, CancellationToken ct) =>
            RequestAsync(code, RequestSharingChange.Restore, body.By, body.Reason, null, user, session, handler, slice, ct))
            .AsOperatorAction("Ask Intake to restore sharing with a partner.");
    }

    private static async Task<IResult> RequestAsync(
        string code, string requested, string? by, string? reason, Guid? caseId, ClaimsPrincipal user, IQuerySession session, CommandHandler handler, RequestSharingChangeSlice slice, CancellationToken ct)
    {
        var onCase = caseId is { } id && await session.LoadAsync<EscalationCase>(EscalationCase.StreamFor(id), ct) is not null;
        var stream = onCase ? EscalationCase.StreamFor(caseId!.Value) : StreamKey.For(EscalationLedger.OperatorActionKind, Guid.NewGuid());
        var command = new RequestSharingChange(code, requested, OperatorActions.Actor(by, user), reason!, caseId, stream);
        return (await handler.HandleAsync(slice, command, Transports.Http, ct))
            .ToHttp(_ => TypedResults.Accepted((string?)null, new SharingRequestReceipt(code, requested, caseId, stream)));
    }
}
