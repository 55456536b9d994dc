using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Intake.Breaches.Reading;

public static class GetBreach
{
    public static async Task<IResult> Handle(Guid id, IQuerySession session, CancellationToken cancellationToken)
    {
        var breach = await session.LoadAsync<Breach>(Breach.StreamFor(id), cancellationToken);
        if (breach is null)
        {
            return Problems.NotFound("breach", id.ToString());
        }

        var r = breach.Report;
        return TypedResults.Ok(new
        {
            r.BreachId,
            r.DisclosureId,
            r.Fingerprint,
            r.Outlet,
            r.ObservedAt,
            r.Severity,
            r.Description,
            r.ReportedBy,
            r.ExposureSet,
            r.AttributedPartner,
            r.Classification,
            r.Caveats,
        });
    }

    public static void MapGetBreach(this IEndpointRouteBuilder app) =>
        app.MapGet("/breaches/{id:guid}", Handle).AcceptsQuery().RequireAuthorization(Policies.ReadInternal).WithTags("Breaches")
            .WithSummary("A breach with its exposure set and attribution.");
}
