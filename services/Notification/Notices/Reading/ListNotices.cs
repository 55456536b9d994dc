using System.Security.Claims;
using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Notification.Notices.Reading;

/// <summary><c>GET /notifications</c> and <c>GET /notifications/{id}</c>, from the notice read model.</summary>
public static class ListNotices
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private static readonly IReadOnlyList<string> Kinds = [NoticeKinds.Handling, NoticeKinds.Breach];

    public static async Task<IResult> List(string? partner, string? kind, string? status, string? limit, ClaimsPrincipal user, IQuerySession session, CancellationToken cancellationToken)
    {
        // limit is bound as text and parsed here, so a malformed one is answered with its name, not a bare 400.
        var errors = new FieldErrors();
        errors.PartnerCode("partner", partner, required: false);
        errors.OneOf("kind", kind, Kinds, required: false);
        errors.OneOf("status", status, NoticeStatuses.All, required: false);
        var take = (int)(errors.WholeNumber("limit", limit, 1, MaxLimit) ?? DefaultLimit);

        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), type: Problems.Type("validation"));
        }

        // Integrators see only their own partner's notices.
        if (user.IsIntegrator())
        {
            if (user.Partner() is null || (partner is not null && !user.MayActFor(partner)))
            {
                return Problems.Forbidden("An integrator may list only its own partner's notices.");
            }

            partner = user.Partner();
        }

        var query = session.Query<Notice>().AsQueryable();
        if (partner is not null)
        {
            query = query.Where(n => n.Partner == partner);
        }

        if (kind is not null)
        {
            query = query.Where(n => n.Kind == kind);
        }

        if (status is not null)
        {
            query = query.Where(n => n.Status == status);
        }

        var notices = await query.OrderByDescending(n => n.CreatedAt).Take(take).ToListAsync(cancellationToken);
        return TypedResults.Ok(notices.Select(NoticeView.From).ToList());
    }

    public static async Task<IResult> Get(Guid id, ClaimsPrincipal user, IQuerySession session, CancellationToken cancellationToken)
    {
        var notice = await session.LoadAsync<Notice>(Notice.StreamFor(id), cancellationToken);
        if (notice is null || !user.MayActFor(notice.Partner))
        {
            // Another partner's notice is not acknowledged to exist.
            return Problems.NotFound("notice", id.ToString());
        }

        return TypedResults.Ok(NoticeView.From(notice));
    }

    public static void MapListNotices(this IEndpointRouteBuilder app)
    {
        app.MapGet("/notifications", List).AcceptsQuery("partner", "kind", "status", "limit").RequireAuthorization(Policies.AnyRole).WithTags("Notifications")
            .WithSummary("Notices, newest first, filtered by partner, kind and status; integrators see their own partner's only.")
            .Produces<IReadOnlyList<NoticeView>>().ProducesValidationProblem();
        app.MapGet("/notifications/{id:guid}", Get).AcceptsQuery().RequireAuthorization(Policies.AnyRole).WithTags("Notifications")
            .WithSummary("One notice and where its delivery stands.")
            .Produces<NoticeView>().ProducesProblem(StatusCodes.Status404NotFound);
    }
}
