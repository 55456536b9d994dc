using System.Globalization;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Audit.Events;

/// <summary><c>/audit/events</c>: ledger events by filter, one page at a time.</summary>
public static class EventsEndpoint
{
    public static void MapEvents(this RouteGroupBuilder audit) =>
        audit.MapGet("/events", Events).AcceptsQuery(EventQuery.FilterNames).WithSummary("Ledger events by filter, paged by global sequence.");

    private static async Task<IResult> Events(HttpRequest request, [FromKeyedServices(LedgerRead.Key)] LedgerRows rows, CancellationToken cancellationToken)
    {
        if (EventQuery.Parse(request, out var filter, out var limit) is { } problem)
        {
            return problem;
        }

        var page = limit ?? 100;
        var events = new List<EventView>();
        await foreach (var e in rows.ReadAsync(filter, page + 1, cancellationToken))
        {
            events.Add(EventView.CamelCased(e));
        }

        var next = events.Count > page ? events[page - 1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new EventPage(events.Take(page).ToList(), next));
    }
}
