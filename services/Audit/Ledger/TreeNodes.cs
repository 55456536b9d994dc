using AuditPlatform.Audit.Chain;
using Npgsql;

namespace AuditPlatform.Audit.Ledger;

/// <summary>
/// The stored levels of the Merkle tree: the leaves are <c>audit.chain.leaf_hash</c> (position = leaf + 1), and
/// <c>audit.tree_nodes</c> keeps the root of every perfect subtree whose level is a multiple of
/// <see cref="Stride"/>. Any perfect subtree is then at most 2^(Stride-1) stored hashes away, so roots, inclusion
/// paths and checkpoints need a few hundred rows, not the whole chain (about n/15 extra rows).
/// </summary>
public static class TreeNodes
{
    public const int Stride = 4;

    public static bool Stored(int level) => level > 0 && level % Stride == 0;

    /// <summary>The roots of the given perfect subtrees, read in one round trip and folded up from the nearest stored level.</summary>
    public static async Task<Dictionary<Subtree, byte[]>> PerfectAsync(NpgsqlConnection connection, IEnumerable<Subtree> subtrees, CancellationToken cancellationToken)
    {
        var wanted = subtrees.Distinct().ToList();
        var found = new Dictionary<Subtree, byte[]>();
        if (wanted.Count == 0)
        {
            return found;
        }

        await using var batch = new NpgsqlBatch(connection);
        foreach (var subtree in wanted)
        {
            var stored = subtree.Level - (subtree.Level % Stride);
            var width = 1L << (subtree.Level - stored);
            var first = subtree.Index * width;
            var command = stored == 0
                ? new NpgsqlBatchCommand("select leaf_hash from audit.chain where position > $1 and position <= $2 order by position")
                : new NpgsqlBatchCommand("select hash from audit.tree_nodes where level = $3 and idx >= $1 and idx < $2 order by idx");
            command.Parameters.Add(new NpgsqlParameter { Value = first });
            command.Parameters.Add(new NpgsqlParameter { Value = first + width });
            if (stored != 0)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = (short)stored });
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        foreach (var subtree in wanted)
        {
            var hashes = new List<byte[]>();
            while (await reader.ReadAsync(cancellationToken))
            {
                hashes.Add(reader.GetFieldValue<byte[]>(0));
            }

            var width = 1 << (subtree.Level % Stride);
            if (hashes.Count != width)
            {
                throw new InvalidOperationException($"The stored tree lacks subtree {subtree.Level}/{subtree.Index} ({hashes.Count} of {width} hashes).");
            }

            while (hashes.Count > 1)
            {
                hashes = Enumerable.Range(0, hashes.Count / 2).Select(i => Merkle.NodeHash(hashes[2 * i], hashes[(2 * i) + 1])).ToList();
            }

            found[subtree] = hashes[0];
            await reader.NextResultAsync(cancellationToken);
        }

        return found;
    }

    /// <summary>The right frontier of the tree over the first <paramref name="size"/> leaves.</summary>
    public static async Task<MerkleRanges.Frontier> FrontierAsync(NpgsqlConnection connection, long size, CancellationToken cancellationToken)
    {
        var roots = await PerfectAsync(connection, MerkleRanges.Decompose(0, size), cancellationToken);
        return MerkleRanges.Frontier.From(size, s => roots[s]);
    }

    /// <summary>The roots of the given ranges (inclusion siblings or consistency hashes).</summary>
    public static async Task<List<byte[]>> RangeRootsAsync(NpgsqlConnection connection, IReadOnlyList<LeafRange> ranges, CancellationToken cancellationToken)
    {
        var roots = await PerfectAsync(connection, ranges.SelectMany(r => MerkleRanges.Decompose(r.Start, r.Count)), cancellationToken);
        return ranges.Select(r => MerkleRanges.RangeRoot(r, s => roots[s])).ToList();
    }
}
