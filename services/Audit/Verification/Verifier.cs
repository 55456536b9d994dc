using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;

namespace AuditPlatform.Audit.Verification;

/// <summary>The first place where the raw ledger no longer matches the chain.</summary>
public sealed record Failure(long Sequence, string Reason);

/// <summary>
/// Compares the raw ledger rows with the chain, both streamed in global-sequence order (a merge, so memory stays
/// bounded at any ledger size): a chained sequence with no row is <c>missing</c>; a row holding another chained
/// event's id is <c>reordered</c>; a row whose leaf hash differs is <c>altered</c>; a row between chained sequences
/// that the chain never saw is <c>inserted</c>. Leaf hashes are computed a chunk at a time on every core, while the
/// next chunk is read.
/// </summary>
public static class Verifier
{
    private const int Chunk = 4096;

    public static async Task<(long Checked, long? LastVerified, Failure? First)> VerifyAsync(
        IAsyncEnumerable<ChainEntry> chain, IAsyncEnumerable<LedgerEvent> rows, Func<Guid, CancellationToken, Task<bool>> isChained, CancellationToken cancellationToken)
    {
        await using var entries = chain.GetAsyncEnumerator(cancellationToken);
        var entry = await entries.MoveNextAsync() ? entries.Current : null;
        long checkedCount = 0;
        long? lastVerified = null;
        await using var source = rows.GetAsyncEnumerator(cancellationToken);
        var chunk = await NextChunkAsync(source);
        while (chunk.Count > 0)
        {
            // The chunk's leaves are hashed on every core while the next chunk is read from the ledger.
            var rowsOfChunk = chunk;
            var hashing = Task.Run(() => Hash(rowsOfChunk, cancellationToken), cancellationToken);
            var next = chunk.Count == Chunk ? await NextChunkAsync(source) : [];
            var hashes = await hashing;
            for (var i = 0; i < chunk.Count; i++)
            {
                var row = chunk[i];
                if (entry is null)
                {
                    return (checkedCount, lastVerified, null);
                }

                if (entry.Sequence < row.Sequence)
                {
                    return (checkedCount, lastVerified, new Failure(entry.Sequence, "missing"));
                }

                if (entry.Sequence > row.Sequence)
                {
                    return (checkedCount, lastVerified, new Failure(row.Sequence, "inserted"));
                }

                if (row.Id != entry.EventId)
                {
                    return (checkedCount, lastVerified, new Failure(row.Sequence, await isChained(row.Id, cancellationToken) ? "reordered" : "altered"));
                }

                if (!hashes[i].AsSpan().SequenceEqual(entry.LeafHash))
                {
                    return (checkedCount, lastVerified, new Failure(row.Sequence, "altered"));
                }

                checkedCount++;
                lastVerified = row.Sequence;
                entry = await entries.MoveNextAsync() ? entries.Current : null;
            }

            chunk = next;
        }

        return entry is null ? (checkedCount, lastVerified, null) : (checkedCount, lastVerified, new Failure(entry.Sequence, "missing"));
    }

    private static async Task<List<LedgerEvent>> NextChunkAsync(IAsyncEnumerator<LedgerEvent> source)
    {
        var chunk = new List<LedgerEvent>(Chunk);
        while (chunk.Count < Chunk && await source.MoveNextAsync())
        {
            chunk.Add(source.Current);
        }

        return chunk;
    }

    private static byte[][] Hash(List<LedgerEvent> chunk, CancellationToken cancellationToken)
    {
        var hashes = new byte[chunk.Count][];
        Parallel.For(0, chunk.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => hashes[i] = LeafEncoding.LeafHash(chunk[i]));
        return hashes;
    }
}
