using AuditPlatform.Audit.Access;
using AuditPlatform.Audit.Events;
using AuditPlatform.Audit.Evidence;
using AuditPlatform.Audit.Export;
using AuditPlatform.Audit.Exposure;
using AuditPlatform.Audit.Proofs;
using AuditPlatform.Audit.Timeline;
using AuditPlatform.Audit.Verification;
using AuditPlatform.Audit.Witnesses;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuditPlatform.Audit;

/// <summary>
/// The Audit API of docs/contract.md and docs/services/audit.md: one group, one slice per question, each mapping its
/// own routes and owning its SQL. The order below is the order of the OpenAPI document.
/// </summary>
public static class AuditEndpoints
{
    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/audit").RequireAuthorization(Policies.Comply).WithTags("Audit");
        audit.MapEvents();
        audit.MapExport();
        audit.MapTimeline();
        audit.MapExposure();
        audit.MapVerify();
        audit.MapProofs();
        audit.MapEvidence();
        audit.MapWitnesses();
        audit.MapAccessLog();
    }

    /// <summary>The answer to a query whose parameters are refused: every slice names the fields at fault the same way.</summary>
    internal static ValidationProblem Invalid(FieldErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), title: "The query is not valid.", type: Problems.Type("validation"));
}
