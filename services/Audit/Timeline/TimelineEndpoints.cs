using System.Text.Json.Nodes;
using AuditPlatform.Audit.Events;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using Npgsql;

namespace AuditPlatform.Audit.Timeline;

/// <summary>A timeline: <c>asOf</c> bounds recorded time (what the ledger knew then), <c>until</c>, when given, world time.</summary>
public sealed record StreamTimeline(string Kind, string Id, DateTimeOffset AsOf, DateTimeOffset? Until, JsonObject State, IReadOnlyList<EventView> Events);

/// <summary>A stream found by the compliance page's search: its kind, id, and a one-line summary of its first event.</summary>
public sealed record SearchHit(string Kind, string Id, string Summary);

/// <summary><c>/audit/timeline</c>, and <c>/audit/streams</c>, the search that finds the stream to show.</summary>
public static class TimelineEndpoints
{
    public static void MapTimeline(this RouteGroupBuilder audit)
    {
        audit.MapGet("/timeline/{kind}/{id}", GetTimeline).AcceptsQuery("asOf", "until")
            .WithSummary("A stream's state and events as the ledger knew them at asOf (recorded time), up to until (world time).");
        audit.MapGet("/streams", FindStreams).AcceptsQuery("q", "kind").WithSummary("Partners, items, breaches and cases whose id or first event contains the text.");
    }

    private static async Task<IResult> GetTimeline(string kind, string id, string? asOf, string? until, [FromKeyedServices(LedgerRead.Key)] LedgerRows rows, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (StreamQuery.Parse(kind, asOf, until, out var recorded, out var world) is { } problem)
        {
            return problem;
        }

        var at = recorded ?? clock.GetUtcNow();
        var events = await StreamQuery.StreamAsync(rows, kind, id, at, world, cancellationToken);
        if (await StreamQuery.NeverHeldAsync(rows, kind, id, events.Count == 0, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        return TypedResults.Ok(new StreamTimeline(kind, id, at, world, TimelineFold.Fold(kind, events), events.Select(EventView.CamelCased).ToList()));
    }

    private static async Task<IResult> FindStreams(string? kind, string? q, [FromKeyedServices(LedgerRead.Key)] NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (kind is not null && !TimelineFold.Kinds.Contains(kind))
        {
            return StreamQuery.UnknownKind(kind);
        }

        var text = q?.Trim() ?? string.Empty;
        var errors = new FieldErrors();
        if (text.Length < 2)
        {
            errors.Add("q", "must hold at least two characters");
        }

        errors.Plain("q", text);
        if (errors.Any)
        {
            return AuditEndpoints.Invalid(errors);
        }

        var found = await StreamSearch.FindAsync(dataSource, kind, text, 20, cancellationToken);
        return TypedResults.Ok(new
        {
            streams = found.Select(f => StreamKey.Parse(f.Key)).Zip(found, (key, f) => new SearchHit(key.Kind, key.Id, f.Summary))
                .Where(f => TimelineFold.Kinds.Contains(f.Kind)).ToList(),
        });
    }
}
