using AuditPlatform.Escalation.Partners.Requesting;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Escalation.Partners;

/// <summary>Partners as Escalation knows them, and the operators' requests to suspend or restore one.</summary>
public static class PartnerEndpoints
{
    public static void MapPartners(this IEndpointRouteBuilder app)
    {
        var partners = app.MapGroup("/partners").WithTags("Partners");
        partners.MapGet("/", async (IQuerySession session, CancellationToken ct) => TypedResults.Ok(await session.Query<PartnerStanding>().OrderBy(p => p.Id).ToListAsync(ct)))
            .AcceptsQuery().RequireAuthorization(Policies.ReadInternal).WithSummary("Partners' sharing status and broken assurances, as Escalation knows them.");
        partners.MapRequestSharingChange();
    }
}
