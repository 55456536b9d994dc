using System.Text.Json.Nodes;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Timeline;
using AuditPlatform.ServiceDefaults.Ledger;

namespace AuditPlatform.Audit.Events;

/// <summary>An event as <c>/audit/events</c> shows it (<see cref="CamelCased"/>) or as it is stored (<see cref="From"/>).</summary>
public sealed record EventView(long Sequence, string StreamKind, string StreamId, long Version, string Type, DateTimeOffset? OccurredAt, DateTimeOffset RecordedAt, JsonNode? Data)
{
    /// <summary>The event with its body as stored (C# names): what an evidence pack compares with the raw row it proves.</summary>
    public static EventView From(LedgerEvent e)
    {
        var (kind, id) = StreamKey.Parse(e.StreamKey);
        return new EventView(e.Sequence, kind, id, e.Version, e.Type, e.OccurredAt, e.RecordedAt, TimelineFold.Body(e.Data));
    }

    /// <summary>The event with its body's names in camelCase, like every other answer of the contract.</summary>
    public static EventView CamelCased(LedgerEvent e) => From(e) with { Data = EventBody.CamelCaseNode(e.Body.Span) };
}

public sealed record EventPage(IReadOnlyList<EventView> Events, string? Next);
