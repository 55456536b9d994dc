using System.Text.Json;

namespace AuditPlatform.Audit.Chain;

/// <summary>
/// Client-side checks that need nothing but SHA-256 and the checkpoint's key (a note verifier key, or the ECDSA
/// public key of a checkpoint signed before notes): an inclusion proof of a raw
/// ledger row, and an evidence pack. Each answers null when everything holds, or the first reason it does not.
/// </summary>
public static class OfflineCheck
{
    public static string? Proof(JsonElement proof, string? trustedPublicKey = null)
    {
        var checkpoint = Checkpoint(proof.GetProperty("checkpoint"));
        if (!CheckpointSignature.Verify(checkpoint, trustedPublicKey))
        {
            return "the checkpoint's signature does not verify";
        }

        if (!proof.TryGetProperty("event", out var row) || row.ValueKind != JsonValueKind.Object)
        {
            return "the proof carries no event";
        }

        var e = new LedgerEvent(row.GetProperty("sequence").GetInt64(), row.GetProperty("id").GetGuid(), row.GetProperty("streamKey").GetString()!,
            row.GetProperty("version").GetInt64(), row.GetProperty("type").GetString()!, row.GetProperty("recordedAt").GetDateTimeOffset(), row.GetProperty("data").GetString()!);
        return Leaf(e, proof.GetProperty("path"), checkpoint.Root);
    }

    /// <summary>
    /// Checks a pack; with <paramref name="witnesses"/>, its checkpoint must also carry valid cosignatures from at least
    /// <paramref name="threshold"/> of them (C2SP tlog-cosignature lines on its note), so a log that showed this
    /// history to nobody else cannot pass.
    /// </summary>
    public static string? Pack(JsonElement pack, string? trustedPublicKey = null, IReadOnlyList<TrustedWitness>? witnesses = null, int threshold = 0)
    {
        if (pack.GetProperty("leafEncoding").GetString() != LeafEncoding.Name)
        {
            return "unknown leaf encoding";
        }

        var checkpoint = Checkpoint(pack.GetProperty("checkpoint"));
        if (!CheckpointSignature.Verify(checkpoint, trustedPublicKey))
        {
            return "the checkpoint's signature does not verify";
        }

        if (Witnessed(checkpoint, witnesses ?? [], threshold) is { } unwitnessed)
        {
            return unwitnessed;
        }

        foreach (var row in pack.GetProperty("events").EnumerateArray())
        {
            var sequence = row.GetProperty("sequence").GetInt64();
            var e = new LedgerEvent(sequence, Guid.Empty, row.GetProperty("streamKey").GetString()!, row.GetProperty("version").GetInt64(),
                row.GetProperty("type").GetString()!, row.GetProperty("recordedAt").GetDateTimeOffset(), row.GetProperty("rawData").GetString()!);
            if (!JsonElement.DeepEquals(JsonDocument.Parse(e.Data).RootElement, row.GetProperty("data")))
            {
                return $"event {sequence}: its data differs from its raw data";
            }

            if (!string.Equals(Hex.Of(LeafEncoding.LeafHash(e)), row.GetProperty("leafHash").GetString(), StringComparison.Ordinal))
            {
                return $"event {sequence}: its leaf hash does not match its content";
            }

            if (Leaf(e, row.GetProperty("path"), checkpoint.Root) is { } failure)
            {
                return $"event {sequence}: {failure}";
            }
        }

        return null;
    }

    /// <summary>Null when at least <paramref name="threshold"/> of the trusted witnesses cosigned the checkpoint's note; otherwise who did and who did not.</summary>
    public static string? Witnessed(SignedCheckpoint checkpoint, IReadOnlyList<TrustedWitness> witnesses, int threshold)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(witnesses);
        if (threshold <= 0)
        {
            return null;
        }

        var by = checkpoint.Note is null ? [] : Cosignature.CosignedBy(checkpoint.Note, witnesses);
        return by.Count >= threshold
            ? null
            : $"the checkpoint is cosigned by {by.Count} of {threshold} required witnesses" +
              (by.Count > 0 ? $" ({string.Join(", ", by)})" : string.Empty) + $"; missing or invalid: {string.Join(", ", witnesses.Select(w => w.Name).Except(by))}";
    }

    /// <summary>A checkpoint as the API renders it; <c>size</c>, <c>note</c> and <c>verifierKey</c> are absent on checkpoints signed before notes.</summary>
    public static SignedCheckpoint Checkpoint(JsonElement c) => new(
        c.GetProperty("sequence").GetInt64(), c.GetProperty("root").GetString()!, c.GetProperty("signedAt").GetDateTimeOffset(),
        c.GetProperty("signature").GetString()!, c.GetProperty("publicKey").GetString()!,
        c.TryGetProperty("size", out var size) && size.ValueKind == JsonValueKind.Number ? size.GetInt64() : null,
        Optional(c, "note"), Optional(c, "verifierKey"));

    private static string? Optional(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Leaf(LedgerEvent e, JsonElement path, string root)
    {
        var steps = path.EnumerateArray().Select(s => new PathStep(s.GetProperty("side").GetString()!, s.GetProperty("hash").GetString()!)).ToList();
        return Hex.TryParse(root, out var rootBytes) && Merkle.VerifyInclusion(LeafEncoding.LeafHash(e), steps, rootBytes)
            ? null
            : "its inclusion path does not lead to the signed root";
    }
}
