using AuditPlatform.Intake.Intelligence.Assessing;
using AuditPlatform.Intake.Intelligence.Receiving;
using AuditPlatform.Intake.Intelligence.Reporting;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Intake.Intelligence.Reading;

public sealed record ItemView(Guid ItemId, string Source, string Summary, DateTimeOffset ReceivedAt, DateTimeOffset? ReportDue, DateTimeOffset? ReportedAt, DateTimeOffset? DeadlineMissedAt, IReadOnlyList<HandlingStep> Timeline)
{
    public static ItemView From(IntelligenceItem i) => new(i.ItemId, i.Source, i.Summary, i.ReceivedAt, i.ReportDue, i.ReportedAt, i.DeadlineMissedAt, i.Timeline);
}

/// <summary>Receiving, assessing and writing up internal intelligence (flow 6, "handle in time"), and reading an item back.</summary>
public static class IntelligenceEndpoints
{
    public static void MapIntelligence(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/intelligence").WithTags("Intelligence");
        ReceiveIntelligenceSlice.Map(group);
        AssessIntelligenceSlice.Map(group);
        ReportIntelligenceSlice.Map(group);
        group.MapGet("/{id:guid}", Get).AcceptsQuery().RequireAuthorization(Policies.ReadInternal).WithSummary("The item with its handling timeline.");
    }

    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken cancellationToken)
    {
        var item = await session.LoadAsync<IntelligenceItem>(IntelligenceItem.StreamFor(id), cancellationToken);
        return item is null ? Problems.NotFound("intelligence item", id.ToString()) : TypedResults.Ok(ItemView.From(item));
    }
}
