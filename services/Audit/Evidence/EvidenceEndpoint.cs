using System.Text.Json.Nodes;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Events;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.Audit.Proofs;
using AuditPlatform.Audit.Timeline;
using AuditPlatform.ServiceDefaults.Http;
using Npgsql;

namespace AuditPlatform.Audit.Evidence;

/// <summary>An event of an evidence pack: as <c>/audit/events</c>, plus the raw body, its leaf hash and its inclusion path.</summary>
public sealed record EvidenceEvent(long Sequence, string StreamKind, string StreamId, long Version, string Type, DateTimeOffset? OccurredAt,
    DateTimeOffset RecordedAt, JsonNode? Data, string RawData, string StreamKey, string LeafHash, IReadOnlyList<PathStep> Path);

public sealed record EvidencePack(string Kind, string Id, DateTimeOffset AsOf, DateTimeOffset? Until, JsonObject State, SignedCheckpoint Checkpoint, IReadOnlyList<EvidenceEvent> Events, string LeafEncoding);

/// <summary><c>/audit/evidence</c>: a timeline with a proof for each event, checkable offline (auditctl verify-pack).</summary>
public static class EvidenceEndpoint
{
    public static void MapEvidence(this RouteGroupBuilder audit) =>
        audit.MapGet("/evidence/{kind}/{id}", Evidence).AcceptsQuery("asOf", "until").WithSummary("A self-verifying evidence pack.");

    private static async Task<IResult> Evidence(string kind, string id, string? asOf, string? until, LedgerRows rows, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (StreamQuery.Parse(kind, asOf, until, out var recorded, out var world) is { } problem)
        {
            return problem;
        }

        if (await ChainStore.CheckpointAsync(dataSource, null, cancellationToken) is not { } latest)
        {
            return Problems.NotFound("checkpoint", "latest");
        }

        var at = recorded ?? clock.GetUtcNow();
        var stream = await StreamQuery.StreamAsync(rows, kind, id, at, world, cancellationToken);
        if (await StreamQuery.NeverHeldAsync(rows, kind, id, stream.Count == 0, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        var events = stream.Where(e => e.Sequence <= latest.Checkpoint.Sequence).ToList();
        var proofs = await InclusionPaths.ProveAsync(dataSource, latest.Size, events.Select(e => e.Sequence).ToList(), cancellationToken);
        var bySequence = proofs.ToDictionary(p => p.Sequence);
        var packed = events.Where(e => bySequence.ContainsKey(e.Sequence)).Select(e =>
        {
            var v = EventView.From(e);
            var p = bySequence[e.Sequence];
            return new EvidenceEvent(v.Sequence, v.StreamKind, v.StreamId, v.Version, v.Type, v.OccurredAt, v.RecordedAt, v.Data, e.Data, e.StreamKey, p.LeafHash, p.Path);
        }).ToList();
        return TypedResults.Ok(new EvidencePack(kind, id, at, world, TimelineFold.Fold(kind, events), latest.Checkpoint, packed, LeafEncoding.Name));
    }
}
