using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using Npgsql;

namespace AuditPlatform.Audit.Proofs;

/// <summary>Inclusion paths, for a proof and for every event of an evidence pack.</summary>
internal static class InclusionPaths
{
    /// <summary>Inclusion paths in the tree over the first <paramref name="size"/> leaves, from the stored subtrees (a few hundred hashes, not the chain).</summary>
    public static async Task<List<(long Sequence, string LeafHash, IReadOnlyList<PathStep> Path)>> ProveAsync(
        NpgsqlDataSource dataSource, long size, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var leaves = new List<(long Sequence, long Position, byte[] Leaf)>();
        await using (var command = new NpgsqlCommand("select sequence, position, leaf_hash from audit.chain where sequence = any($1) and position <= $2 order by position", connection))
        {
            command.Parameters.AddWithValue(sequences.ToArray());
            command.Parameters.AddWithValue(size);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                leaves.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        var ranges = leaves.Select(l => MerkleRanges.InclusionRanges(l.Position - 1, size)).ToList();
        var roots = await TreeNodes.PerfectAsync(connection, ranges.SelectMany(r => r).SelectMany(r => MerkleRanges.Decompose(r.Start, r.Count)), cancellationToken);
        return leaves.Select((l, i) => (l.Sequence, Hex.Of(l.Leaf),
            (IReadOnlyList<PathStep>)ranges[i].Select(r => new PathStep(r.Side!, Hex.Of(MerkleRanges.RangeRoot(r, s => roots[s])))).ToList())).ToList();
    }
}
