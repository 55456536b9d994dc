using System.Text.Json;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.AuditCtl;

/// <summary>An inclusion proof as <c>/audit/proof/{sequence}</c> returns it.</summary>
public sealed record InclusionProof(long Sequence, string LeafHash, SignedCheckpoint Checkpoint, IReadOnlyList<PathStep> Path);

/// <summary>One event of an evidence pack, with its inclusion path.</summary>
public sealed record PackEvent(long Sequence, string StreamKind, string StreamId, long Version, string Type, DateTimeOffset RecordedAt, JsonElement Data, string LeafHash, IReadOnlyList<PathStep> Path, string? RawData = null);

/// <summary>An evidence pack as <c>/audit/evidence/{kind}/{id}</c> returns it.</summary>
public sealed record EvidencePack(string Kind, string Id, SignedCheckpoint Checkpoint, IReadOnlyList<PackEvent> Events, string LeafEncoding);

/// <summary>Offline checks of an evidence pack: nothing trusted but SHA-256 and the checkpoint's public key.</summary>
public static class EvidencePacks
{
    /// <summary>Null when the pack holds; otherwise the first reason it does not.</summary>
    public static string? Check(EvidencePack pack)
    {
        if (!string.Equals(pack.LeafEncoding, LeafEncoding.Name, StringComparison.Ordinal))
        {
            return $"TAMPERED: unknown leaf encoding {pack.LeafEncoding}";
        }

        if (!CheckpointSignature.Verify(pack.Checkpoint) || !Hex.TryParse(pack.Checkpoint.Root, out var root))
        {
            return "TAMPERED: the checkpoint's signature does not hold";
        }

        foreach (var e in pack.Events)
        {
            if (e.RawData is not null && !string.Equals(JsonbText.Render(e.Data), e.RawData, StringComparison.Ordinal))
            {
                return $"TAMPERED: event {e.Sequence}'s data differs from its raw body";
            }

            var row = new LedgerEvent(e.Sequence, Guid.Empty, $"{e.StreamKind}/{e.StreamId}", e.Version, e.Type, e.RecordedAt, e.RawData ?? JsonbText.Render(e.Data));
            var leaf = LeafEncoding.LeafHash(row);
            if (!string.Equals(Hex.Of(leaf), e.LeafHash, StringComparison.Ordinal))
            {
                return $"TAMPERED: event {e.Sequence} does not hash to its leaf hash";
            }

            if (!Merkle.VerifyInclusion(leaf, e.Path, root))
            {
                return $"TAMPERED: event {e.Sequence} has no path to the signed root";
            }
        }

        return null;
    }
}
