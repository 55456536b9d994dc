using System.Security.Claims;
using AuditPlatform.Intake.Partners.Registering;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuditPlatform.Intake.Partners;

/// <summary>The partner as the contract shows it.</summary>
public sealed record PartnerView(string Code, string Name, string Country, string Sharing, DateTimeOffset? SuspendedAt, string? SuspensionReason, Guid? CaseId, ChannelView Channel)
{
    public static PartnerView From(Partner p) =>
        new(p.Code, p.Name, p.Country, p.Sharing, p.SuspendedAt, p.SuspensionReason, p.CaseId, new ChannelView(p.ChannelKind, p.WebhookUrl));
}

public static class GetPartner
{
    public static async Task<Results<Ok<PartnerView>, ProblemHttpResult>> Handle(string code, ClaimsPrincipal user, IQuerySession session, CancellationToken cancellationToken)
    {
        if (!user.MayActFor(code))
        {
            return Problems.Forbidden("An integrator may read only its own partner.");
        }

        var partner = await session.LoadAsync<Partner>(Partner.StreamFor(code), cancellationToken);
        return partner is null ? Problems.NotFound("partner", code) : TypedResults.Ok(PartnerView.From(partner));
    }

    public static void MapGetPartner(this IEndpointRouteBuilder app) =>
        app.MapGet("/partners/{code}", Handle).AcceptsQuery().RequireAuthorization(Policies.AnyRole).WithTags("Partners")
            .WithSummary("A partner and the state of its sharing agreement.");
}
