using AuditPlatform.Escalation.Dashboard;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;

namespace AuditPlatform.Escalation.Cases.Reading;

/// <summary>The cases over HTTP for reading: the queues, one case with its history, and the live stream of changes.</summary>
public static class CaseQueries
{
    public static void MapCaseQueries(this IEndpointRouteBuilder cases)
    {
        cases.MapGet("/", List).AcceptsQuery("status", "level", "partner").RequireAuthorization(Policies.ReadInternal).WithSummary("Cases, filtered by status, level and partner.");
        cases.MapGet("/{id:guid}", Get).AcceptsQuery().RequireAuthorization(Policies.ReadInternal).WithSummary("One case with its history and its stream's events.");
        cases.MapGet("/stream", (CaseFeed feed, CancellationToken ct) => TypedResults.ServerSentEvents(feed.StreamAsync(ct)))
            .AcceptsQuery("access_token").RequireAuthorization(Policies.ReadInternal).WithSummary("A 'ready' event, then every case change as an event named 'case'.");
    }

    /// <summary>
    /// The queues, highest level first, then oldest first; at most <c>Escalation:ListLimit</c> cases (1,000). Every filter
    /// runs in the database before the limit, so a filter never misses a case that lies beyond the first page of all cases.
    /// </summary>
    public static async Task<IResult> List(string? status, string? level, string? partner, IQuerySession session, EscalationPolicy policy, IConfiguration configuration, CancellationToken ct)
    {
        var errors = new FieldErrors();
        errors.OneOf("status", status, EscalationCase.Statuses, required: false);
        var top = policy.Levels[^1].Level;
        var wanted = (int?)errors.WholeNumber("level", level, policy.Levels[0].Level, top);
        errors.PartnerCode("partner", partner, required: false);
        errors.ThrowIfAny("The filter is not valid.");
        var query = session.Query<EscalationCase>().AsQueryable();
        if (status is not null)
        {
            query = query.Where(c => c.Status == status);
        }

        if (wanted is { } l)
        {
            query = query.Where(c => c.Level == l);
        }

        if (partner is not null)
        {
            query = query.Where(c => c.Partners.Contains(partner));
        }

        var limit = configuration.GetValue("Escalation:ListLimit", 1000);
        var found = await query.OrderByDescending(c => c.Level).ThenBy(c => c.OpenedAt).Take(limit).ToListAsync(ct);
        return TypedResults.Ok(found.Select(CaseView.From));
    }

    /// <summary>One case with its history and, read from its stream, each event with its own fields (the dashboard's case panel).</summary>
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        var stream = EscalationCase.StreamFor(id);
        if (await session.LoadAsync<EscalationCase>(stream, ct) is not { } found)
        {
            return Problems.NotFound("case", id.ToString("D"));
        }

        var events = await session.Events.FetchStreamAsync(stream, token: ct);
        return TypedResults.Ok(CaseView.WithHistory(found) with { Events = [.. events.Select(CaseEventView.From).OfType<CaseEventView>()] });
    }
}
