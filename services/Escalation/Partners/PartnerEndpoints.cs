using System.Security.Claims;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Escalation.Partners;

public sealed record SuspendBody(string? By, string? Reason, Guid? CaseId);

public sealed record RestoreBody(string? By, string? Reason);

/// <summary>What an operator asked of a partner's sharing; Intake applies it when the command arrives.</summary>
public sealed record SharingRequestReceipt(string Partner, string Requested, Guid? CaseId, string Stream);

/// <summary>
/// Operators suspend or restore a partner here. The request is recorded in the ledger (on the case it names,
/// or on an operator-action stream of its own) and the forwarder sends it to Intake, which owns the agreement.
/// </summary>
public static class PartnerEndpoints
{
    public static void MapPartners(this IEndpointRouteBuilder app)
    {
        var partners = app.MapGroup("/partners").WithTags("Partners");
        partners.MapGet("/", async (IQuerySession session, CancellationToken ct) => TypedResults.Ok(await session.Query<PartnerStanding>().OrderBy(p => p.Id).ToListAsync(ct)))
            .AcceptsQuery().RequireAuthorization(Policies.ReadInternal).WithSummary("Partners' sharing status and broken assurances, as Escalation knows them.");
        partners.MapPost("/{code}/suspend", (string code, SuspendBody body, ClaimsPrincipal user, IDocumentSession session, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(code, body.By, body.Reason, body.CaseId, user, session, (by, reason) => new SharingSuspensionRequested(body.CaseId, code, by, reason, clock.GetUtcNow()), ct))
            .AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Ask Intake to suspend sharing with a partner.");
        partners.MapPost("/{code}/restore", (string code, RestoreBody body, ClaimsPrincipal user, IDocumentSession session, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(code, body.By, body.Reason, null, user, session, (by, reason) => new SharingRestorationRequested(null, code, by, reason, clock.GetUtcNow()), ct))
            .AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Ask Intake to restore sharing with a partner.");
    }

    private static async Task<IResult> RequestAsync(string code, string? by, string? reason, Guid? caseId, ClaimsPrincipal user, IDocumentSession session, Func<string, string, object> request, CancellationToken ct)
    {
        var errors = new FieldErrors();
        errors.PartnerCode("code", code);
        errors.Text("by", by, 200, required: false);
        errors.Text("reason", reason);
        errors.ThrowIfAny();
        var actor = string.IsNullOrWhiteSpace(by) ? user.Name() : by;
        var e = request(actor, reason!);
        string stream;
        if (caseId is { } id && await session.LoadAsync<EscalationCase>(EscalationCase.StreamFor(id), ct) is not null)
        {
            stream = EscalationCase.StreamFor(id);
            (await session.Events.FetchForWriting<EscalationCase>(stream, ct)).AppendOne(e);
        }
        else
        {
            stream = StreamKey.For(EscalationLedger.OperatorActionKind, Guid.NewGuid());
            session.Events.StartStream(stream, e);
        }

        await session.SaveChangesAsync(ct);
        return TypedResults.Accepted((string?)null, new SharingRequestReceipt(code, e is SharingSuspensionRequested ? "suspend" : "restore", caseId, stream));
    }
}
