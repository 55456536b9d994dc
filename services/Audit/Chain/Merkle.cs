using System.Security.Cryptography;

namespace AuditPlatform.Audit.Chain;

/// <summary>One step of an inclusion path: the sibling hash and the side it sits on.</summary>
public sealed record PathStep(string Side, string Hash);

/// <summary>
/// The RFC 6962 Merkle tree: leaf = SHA-256(0x00 ‖ leaf data), node = SHA-256(0x01 ‖ left ‖ right),
/// the tree over n leaves split at the largest power of two below n. Pure functions; leaves are 0-based here.
/// </summary>
public static class Merkle
{
    public const string Left = "left";
    public const string Right = "right";

    public static byte[] LeafHash(ReadOnlySpan<byte> leafData)
    {
        var buffer = new byte[leafData.Length + 1];
        leafData.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[65];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[33..]);
        return SHA256.HashData(buffer);
    }

    /// <summary>The root of the tree over the given leaf hashes (the hash of the empty string for none).</summary>
    public static byte[] Root(IReadOnlyList<byte[]> leaves) => Root(leaves, 0, leaves.Count);

    /// <summary>The inclusion path of leaf <paramref name="index"/> in the tree over all <paramref name="leaves"/>, bottom up.</summary>
    public static IReadOnlyList<PathStep> InclusionPath(IReadOnlyList<byte[]> leaves, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leaves.Count);
        var path = new List<PathStep>();
        Inclusion(leaves, index, 0, leaves.Count, path);
        return path;
    }

    /// <summary>Recomputes the root from a leaf hash and its path; true when it equals <paramref name="root"/>.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, IEnumerable<PathStep> path, ReadOnlySpan<byte> root)
    {
        var hash = leafHash.ToArray();
        foreach (var step in path)
        {
            if (!Hex.TryParse(step.Hash, out var sibling))
            {
                return false;
            }

            hash = step.Side switch
            {
                Left => NodeHash(sibling, hash),
                Right => NodeHash(hash, sibling),
                _ => [],
            };
            if (hash.Length == 0)
            {
                return false;
            }
        }

        return hash.AsSpan().SequenceEqual(root);
    }

    /// <summary>The RFC 6962 consistency proof that the tree over the first <paramref name="size"/> leaves is a prefix of the tree over all.</summary>
    public static IReadOnlyList<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leaves, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, leaves.Count);
        var proof = new List<byte[]>();
        if (size < leaves.Count)
        {
            SubProof(leaves, size, 0, leaves.Count, true, proof);
        }

        return proof;
    }

    /// <summary>RFC 9162 §2.1.4.2: checks that <paramref name="newRoot"/> over <paramref name="newSize"/> leaves extends <paramref name="oldRoot"/> over <paramref name="oldSize"/>.</summary>
    public static bool VerifyConsistency(long oldSize, long newSize, ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot, IReadOnlyList<byte[]> proof)
    {
        if (oldSize < 1 || oldSize > newSize)
        {
            return false;
        }

        if (oldSize == newSize)
        {
            return proof.Count == 0 && oldRoot.SequenceEqual(newRoot);
        }

        var path = new List<byte[]>(proof.Count + 1);
        if ((oldSize & (oldSize - 1)) == 0)
        {
            path.Add(oldRoot.ToArray());
        }

        path.AddRange(proof);
        if (path.Count == 0)
        {
            return false;
        }

        var fn = oldSize - 1;
        var sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(oldRoot) && sr.AsSpan().SequenceEqual(newRoot);
    }

    private static int Split(int n)
    {
        var k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }

    private static byte[] Root(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 0)
        {
            return SHA256.HashData([]);
        }

        if (count == 1)
        {
            return leaves[start];
        }

        var k = Split(count);
        return NodeHash(Root(leaves, start, k), Root(leaves, start + k, count - k));
    }

    private static void Inclusion(IReadOnlyList<byte[]> leaves, int index, int start, int count, List<PathStep> path)
    {
        if (count == 1)
        {
            return;
        }

        var k = Split(count);
        if (index < k)
        {
            Inclusion(leaves, index, start, k, path);
            path.Add(new PathStep(Right, Hex.Of(Root(leaves, start + k, count - k))));
        }
        else
        {
            Inclusion(leaves, index - k, start + k, count - k, path);
            path.Add(new PathStep(Left, Hex.Of(Root(leaves, start, k))));
        }
    }

    private static void SubProof(IReadOnlyList<byte[]> leaves, int size, int start, int count, bool whole, List<byte[]> proof)
    {
        if (size == count)
        {
            if (!whole)
            {
                proof.Add(Root(leaves, start, count));
            }

            return;
        }

        var k = Split(count);
        if (size <= k)
        {
            SubProof(leaves, size, start, k, whole, proof);
            proof.Add(Root(leaves, start + k, count - k));
        }
        else
        {
            SubProof(leaves, size - k, start + k, count - k, false, proof);
            proof.Add(Root(leaves, start, k));
        }
    }
}

/// <summary>Lower-case hex, as the contract writes every hash.</summary>
public static class Hex
{
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static bool TryParse(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null || text.Length != 64)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
