using System.Text.Json.Nodes;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Timeline;
using AuditPlatform.ServiceDefaults.Ledger;

namespace AuditPlatform.Audit.Events;

/// <summary>An event as <c>/audit/events</c> shows it.</summary>
public sealed record EventView(long Sequence, string StreamKind, string StreamId, long Version, string Type, DateTimeOffset? OccurredAt, DateTimeOffset RecordedAt, JsonNode? Data)
{
    public static EventView From(LedgerEvent e)
    {
        var (kind, id) = StreamKey.Parse(e.StreamKey);
        return new EventView(e.Sequence, kind, id, e.Version, e.Type, e.OccurredAt, e.RecordedAt, TimelineFold.Body(e.Data));
    }
}

public sealed record EventPage(IReadOnlyList<EventView> Events, string? Next);
