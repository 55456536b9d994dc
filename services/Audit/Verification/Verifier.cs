using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;

namespace AuditPlatform.Audit.Verification;

/// <summary>The first place where the raw ledger no longer matches the chain.</summary>
public sealed record Failure(long Sequence, string Reason);

/// <summary>
/// Compares the raw ledger rows with the chain, both in global-sequence order: a chained sequence with no row is
/// <c>missing</c>; a row holding another chained event's id is <c>reordered</c>; a row whose leaf hash differs is
/// <c>altered</c>; a row between chained sequences that the chain never saw is <c>inserted</c>.
/// </summary>
public static class Verifier
{
    public static async Task<(long Checked, Failure? First)> VerifyAsync(IAsyncEnumerable<ChainEntry> chain, IAsyncEnumerable<LedgerEvent> rows, CancellationToken cancellationToken)
    {
        var entries = new List<ChainEntry>();
        await foreach (var entry in chain.WithCancellation(cancellationToken))
        {
            entries.Add(entry);
        }

        var ids = entries.ToDictionary(e => e.EventId, e => e.Sequence);
        var lastChained = entries.Count == 0 ? 0 : entries[^1].Sequence;
        var next = 0;
        long checkedCount = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (row.Sequence > lastChained)
            {
                break;
            }

            if (next < entries.Count && entries[next].Sequence < row.Sequence)
            {
                return (checkedCount, new Failure(entries[next].Sequence, "missing"));
            }

            if (next >= entries.Count || entries[next].Sequence > row.Sequence)
            {
                return (checkedCount, new Failure(row.Sequence, "inserted"));
            }

            var entry = entries[next++];
            if (row.Id != entry.EventId)
            {
                return (checkedCount, new Failure(row.Sequence, ids.ContainsKey(row.Id) ? "reordered" : "altered"));
            }

            if (!LeafEncoding.LeafHash(row).AsSpan().SequenceEqual(entry.LeafHash))
            {
                return (checkedCount, new Failure(row.Sequence, "altered"));
            }

            checkedCount++;
        }

        return next < entries.Count ? (checkedCount, new Failure(entries[next].Sequence, "missing")) : (checkedCount, null);
    }
}
