namespace AuditPlatform.Audit.Chain;

/// <summary>A perfect subtree of the tree: 2^<see cref="Level"/> leaves starting at leaf <c>Index × 2^Level</c> (0-based).</summary>
public readonly record struct Subtree(int Level, long Index)
{
    public long Start => Index << Level;

    public long Count => 1L << Level;
}

/// <summary>A contiguous run of leaves whose RFC 6962 root is one hash of a proof; <see cref="Side"/> only for inclusion paths.</summary>
public readonly record struct LeafRange(long Start, long Count, string? Side = null);

/// <summary>
/// The RFC 6962 tree over a large log without holding its leaves: every hash a proof or root needs is the root of a
/// leaf range, and every such range splits into perfect subtrees (<see cref="Decompose"/>), which a store can keep.
/// Pure functions; leaves are 0-based.
/// </summary>
public static class MerkleRanges
{
    /// <summary>The perfect subtrees of the range, left to right, as the RFC 6962 split makes them.</summary>
    public static IEnumerable<Subtree> Decompose(long start, long count)
    {
        while (count > 0)
        {
            var level = 63 - (int)long.LeadingZeroCount(count);
            var size = 1L << level;
            yield return new Subtree(level, start >> level);
            start += size;
            count -= size;
        }
    }

    /// <summary>The root of a range from its perfect subtrees' roots (the hash of nothing for an empty range).</summary>
    public static byte[] RangeRoot(LeafRange range, Func<Subtree, byte[]> perfect)
    {
        var parts = Decompose(range.Start, range.Count).Select(perfect).ToList();
        if (parts.Count == 0)
        {
            return System.Security.Cryptography.SHA256.HashData([]);
        }

        var hash = parts[^1];
        for (var i = parts.Count - 2; i >= 0; i--)
        {
            hash = Merkle.NodeHash(parts[i], hash);
        }

        return hash;
    }

    /// <summary>The sibling ranges of leaf <paramref name="index"/> in the tree over <paramref name="size"/> leaves, bottom up.</summary>
    public static IReadOnlyList<LeafRange> InclusionRanges(long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var ranges = new List<LeafRange>();
        long start = 0, count = size;
        while (count > 1)
        {
            var k = Split(count);
            if (index - start < k)
            {
                ranges.Add(new LeafRange(start + k, count - k, Merkle.Right));
                count = k;
            }
            else
            {
                ranges.Add(new LeafRange(start, k, Merkle.Left));
                start += k;
                count -= k;
            }
        }

        ranges.Reverse();
        return ranges;
    }

    /// <summary>The ranges whose roots form the RFC 6962 consistency proof from <paramref name="oldSize"/> to <paramref name="newSize"/>, in proof order.</summary>
    public static IReadOnlyList<LeafRange> ConsistencyRanges(long oldSize, long newSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(oldSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        var ranges = new List<LeafRange>();
        if (oldSize < newSize)
        {
            SubProof(oldSize, 0, newSize, true, ranges);
        }

        return ranges;
    }

    /// <summary>
    /// Folds leaf hashes appended in order into the roots of perfect subtrees, keeping only the right frontier
    /// (at most 64 hashes); <see cref="Append"/> reports every perfect subtree as it completes.
    /// </summary>
    public sealed class Frontier(long size = 0)
    {
        private readonly List<(int Level, byte[] Hash)> stack = [];

        public long Size { get; private set; } = size;

        public static Frontier From(long size, Func<Subtree, byte[]> perfect)
        {
            var frontier = new Frontier(size);
            foreach (var subtree in Decompose(0, size))
            {
                frontier.stack.Add((subtree.Level, perfect(subtree)));
            }

            return frontier;
        }

        public void Append(byte[] leafHash, Action<Subtree, byte[]>? completed = null)
        {
            stack.Add((0, leafHash));
            Size++;
            while (stack.Count >= 2 && stack[^1].Level == stack[^2].Level)
            {
                var (level, right) = stack[^1];
                var left = stack[^2].Hash;
                stack.RemoveRange(stack.Count - 2, 2);
                var node = Merkle.NodeHash(left, right);
                stack.Add((level + 1, node));
                completed?.Invoke(new Subtree(level + 1, (Size >> (level + 1)) - 1), node);
            }
        }

        /// <summary>The RFC 6962 root of everything appended.</summary>
        public byte[] Root()
        {
            if (stack.Count == 0)
            {
                return System.Security.Cryptography.SHA256.HashData([]);
            }

            var hash = stack[^1].Hash;
            for (var i = stack.Count - 2; i >= 0; i--)
            {
                hash = Merkle.NodeHash(stack[i].Hash, hash);
            }

            return hash;
        }
    }

    private static long Split(long n)
    {
        var k = 1L;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }

    private static void SubProof(long size, long start, long count, bool whole, List<LeafRange> ranges)
    {
        if (size == count)
        {
            if (!whole)
            {
                ranges.Add(new LeafRange(start, count));
            }

            return;
        }

        var k = Split(count);
        if (size <= k)
        {
            SubProof(size, start, k, whole, ranges);
            ranges.Add(new LeafRange(start + k, count - k));
        }
        else
        {
            SubProof(size - k, start + k, count - k, false, ranges);
            ranges.Add(new LeafRange(start, k));
        }
    }
}
