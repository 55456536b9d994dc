using System.Globalization;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using Npgsql;

namespace AuditPlatform.Audit.Proofs;

/// <summary>An inclusion proof; <c>event</c> is the raw ledger row, so a client can recompute the leaf hash itself.</summary>
public sealed record Proof(long Sequence, string LeafHash, SignedCheckpoint Checkpoint, IReadOnlyList<PathStep> Path, LedgerEvent? Event);

public sealed record Consistency(long From, long To, long FromSize, long ToSize, string FromRoot, string ToRoot, IReadOnlyList<string> Path);

/// <summary>The latest checkpoint, and the RFC 6962 proofs that an event is in it and that it extends an older one.</summary>
public static class ProofEndpoints
{
    public static void MapProofs(this RouteGroupBuilder audit)
    {
        audit.MapGet("/checkpoints/latest", Latest).AcceptsQuery().WithSummary("The latest checkpoint: its C2SP signed note verbatim, its verifier key, and the sequence of its last leaf.");
        audit.MapGet("/proof/{sequence:long}", GetProof).AcceptsQuery().WithSummary("An inclusion proof of an event in the latest checkpoint.");
        audit.MapGet("/consistency", GetConsistency).AcceptsQuery("from", "to").WithSummary("An RFC 6962 consistency proof between two checkpoints.");
    }

    private static async Task<IResult> Latest(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await ChainStore.CheckpointAsync(dataSource, null, cancellationToken) is { } found
            ? TypedResults.Ok(found.Checkpoint)
            : Problems.NotFound("checkpoint", "latest");

    private static async Task<IResult> GetProof(long sequence, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        if (await ChainStore.CheckpointAsync(dataSource, null, cancellationToken) is not { } latest)
        {
            return Problems.NotFound("checkpoint", "latest");
        }

        var proof = await InclusionPaths.ProveAsync(dataSource, latest.Size, [sequence], cancellationToken);
        return proof.Count == 0
            ? Problems.NotFound("event in the latest checkpoint", sequence.ToString(CultureInfo.InvariantCulture))
            : TypedResults.Ok(new Proof(sequence, proof[0].LeafHash, latest.Checkpoint, proof[0].Path, await rows.FindAsync(sequence, cancellationToken)));
    }

    private static async Task<IResult> GetConsistency(string? from, string? to, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var (older, newer) = (errors.WholeNumber("from", from, 0, long.MaxValue, required: true), errors.WholeNumber("to", to, 0, long.MaxValue, required: true));
        errors.Ordered("from", older, "to", newer);
        if (errors.Any)
        {
            return AuditEndpoints.Invalid(errors);
        }

        return await ConsistencyAsync(older!.Value, newer!.Value, dataSource, rows, cancellationToken);
    }

    private static async Task<IResult> ConsistencyAsync(long from, long to, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        var older = await ChainStore.CheckpointAsync(dataSource, from, cancellationToken);
        var newer = await ChainStore.CheckpointAsync(dataSource, to, cancellationToken);
        if (older is null || newer is null)
        {
            return Problems.NotFound("checkpoint", (older is null ? from : to).ToString(CultureInfo.InvariantCulture));
        }

        // Leaves recomputed from the raw rows, streamed into one frontier per proof hash (bounded memory): a row
        // altered below the older checkpoint yields a proof that no longer verifies.
        var ranges = MerkleRanges.ConsistencyRanges(older.Value.Size, newer.Value.Size);
        var frontiers = ranges.Select(_ => new MerkleRanges.Frontier()).ToArray();
        long position = 0;
        await foreach (var e in rows.RangeAsync(1, to, cancellationToken))
        {
            for (var i = 0; i < ranges.Count; i++)
            {
                if (position >= ranges[i].Start && position < ranges[i].Start + ranges[i].Count)
                {
                    frontiers[i].Append(LeafEncoding.LeafHash(e));
                }
            }

            position++;
        }

        if (position < older.Value.Size)
        {
            return Problems.Refusal(StatusCodes.Status409Conflict, "ledger-shrank", "The ledger has fewer events than the older checkpoint covers.", "Run /audit/verify.");
        }

        return TypedResults.Ok(new Consistency(from, to, older.Value.Size, newer.Value.Size, older.Value.Checkpoint.Root, newer.Value.Checkpoint.Root,
            frontiers.Select(f => Hex.Of(f.Root())).ToList()));
    }
}
