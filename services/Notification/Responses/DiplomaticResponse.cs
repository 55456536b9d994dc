using System.Security.Claims;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace AuditPlatform.Notification.Responses;

/// <summary>A partner's diplomatic response, as recorded; the document id is the stream key.</summary>
public sealed record DiplomaticResponse
{
    public required string Id { get; init; }

    public required DiplomaticResponseRecorded Recorded { get; init; }

    public static string StreamFor(Guid responseId) => StreamKey.For(StreamKinds.Response, responseId);
}

/// <summary>How a response's stream folds into its state; shared by its command slice and its read model.</summary>
public static class DiplomaticResponseHistory
{
    public static DiplomaticResponse? Evolve(DiplomaticResponse? state, ResponseEvent change) => change switch
    {
        DiplomaticResponseRecorded recorded => new DiplomaticResponse { Id = DiplomaticResponse.StreamFor(recorded.ResponseId), Recorded = recorded },
        _ => state,
    };
}

public sealed class DiplomaticResponseProjection : SingleStreamProjection<DiplomaticResponse, string>
{
    public DiplomaticResponseProjection()
    {
        IncludeType<DiplomaticResponseRecorded>();
    }

    public override DiplomaticResponse? Evolve(DiplomaticResponse? snapshot, string id, IEvent e) =>
        e.Data is ResponseEvent change ? DiplomaticResponseHistory.Evolve(snapshot, change) : snapshot;
}

/// <summary>The response as <c>GET /responses/{id}</c> shows it: the fields of <c>POST /responses</c>.</summary>
public sealed record ResponseView(
    Guid ResponseId, string Partner, Guid? BreachId, Guid? CaseId, string Kind, string Statement, string Respondent,
    DateTimeOffset OccurredAt, DateTimeOffset? ValidUntil, IReadOnlyList<string>? Scope)
{
    public static ResponseView From(DiplomaticResponseRecorded r) =>
        new(r.ResponseId, r.Partner, r.BreachId, r.CaseId, r.Kind, r.Statement, r.Respondent, r.OccurredAt, r.ValidUntil, r.Scope);
}

public static class GetResponse
{
    public static async Task<IResult> Handle(Guid id, ClaimsPrincipal user, IQuerySession session, CancellationToken cancellationToken)
    {
        var response = await session.LoadAsync<DiplomaticResponse>(DiplomaticResponse.StreamFor(id), cancellationToken);
        return response is null || !user.MayActFor(response.Recorded.Partner)
            ? Problems.NotFound("response", id.ToString())
            : TypedResults.Ok(ResponseView.From(response.Recorded));
    }

    public static void MapGetResponse(this IEndpointRouteBuilder app) =>
        app.MapGet("/responses/{id:guid}", Handle).AcceptsQuery().RequireAuthorization(Policies.AnyRole).WithTags("Responses")
            .WithSummary("A recorded diplomatic response; integrators see their own partner's only.")
            .Produces<ResponseView>().ProducesProblem(StatusCodes.Status404NotFound);
}
