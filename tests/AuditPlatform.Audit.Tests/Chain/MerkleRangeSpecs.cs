using System.Text;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.Audit.Tests.Chain;

/// <summary>The tree computed from stored perfect subtrees and streamed frontiers equals the tree over all leaves.</summary>
public sealed class MerkleRangeSpecs
{
    private static List<byte[]> Leaves(int n) =>
        Enumerable.Range(0, n).Select(i => Merkle.LeafHash(BitConverter.GetBytes(i))).ToList();

    /// <summary>A perfect subtree's root straight from the leaves, as a store of subtrees would hand it out.</summary>
    private static Func<Subtree, byte[]> Perfect(List<byte[]> leaves) =>
        s => Merkle.Root(leaves.Skip((int)s.Start).Take((int)s.Count).ToList());

    [Fact]
    public void A_frontier_fed_leaf_by_leaf_has_the_root_of_the_whole_tree_and_reports_every_completed_subtree()
    {
        var leaves = Leaves(100);
        var frontier = new MerkleRanges.Frontier();
        var completed = new List<(Subtree Subtree, byte[] Hash)>();
        for (var n = 1; n <= leaves.Count; n++)
        {
            frontier.Append(leaves[n - 1], (s, h) => completed.Add((s, h)));
            Assert.Equal(Hex.Of(Merkle.Root(leaves.Take(n).ToList())), Hex.Of(frontier.Root()));
            Assert.Equal(Hex.Of(frontier.Root()), Hex.Of(MerkleRanges.Frontier.From(n, Perfect(leaves)).Root()));
        }

        Assert.Equal(100 - 3, completed.Count);
        Assert.All(completed, c => Assert.Equal(Hex.Of(Perfect(leaves)(c.Subtree)), Hex.Of(c.Hash)));
    }

    [Fact]
    public void Inclusion_paths_from_ranges_equal_the_paths_over_all_leaves()
    {
        for (var n = 1; n <= 70; n++)
        {
            var leaves = Leaves(n);
            for (var i = 0; i < n; i++)
            {
                var expected = Merkle.InclusionPath(leaves, i);
                var actual = MerkleRanges.InclusionRanges(i, n).Select(r => new PathStep(r.Side!, Hex.Of(MerkleRanges.RangeRoot(r, Perfect(leaves))))).ToList();
                Assert.Equal(expected, actual);
            }
        }
    }

    [Fact]
    public void Consistency_proofs_from_ranges_equal_the_proofs_over_all_leaves_and_verify()
    {
        for (var n = 1; n <= 40; n++)
        {
            var leaves = Leaves(n);
            for (var m = 1; m <= n; m++)
            {
                var expected = Merkle.ConsistencyProof(leaves, m).Select(h => Hex.Of(h)).ToList();
                var proof = MerkleRanges.ConsistencyRanges(m, n).Select(r => MerkleRanges.RangeRoot(r, Perfect(leaves))).ToList();
                Assert.Equal(expected, proof.Select(h => Hex.Of(h)).ToList());
                Assert.True(Merkle.VerifyConsistency(m, n, Merkle.Root(leaves.Take(m).ToList()), Merkle.Root(leaves), proof));
            }
        }
    }

    [Fact]
    public void The_fast_leaf_hash_equals_the_hash_of_the_documented_leaf_data()
    {
        var at = new DateTimeOffset(2017, 5, 24, 18, 0, 0, TimeSpan.Zero);
        foreach (var body in (string[])["{\"OccurredAt\": \"2017-05-24T18:00:00+00:00\", \"Title\": \"photographs\"}", "{\"occurredAt\": \"2017-05-24T18:00:00Z\"}",
            "{\"Nested\": {\"OccurredAt\": \"2001-01-01T00:00:00Z\"}, \"OccurredAt\": \"2017-05-24T18:00:00Z\"}", "{\"Title\": \"no time, caf\u00e9\"}", "[1, 2]"])
        {
            var e = new LedgerEvent(7, Guid.NewGuid(), "disclosure/6b1f3a52-0000-4000-8000-000000000002", 1, "disclosure_recorded", at.AddMinutes(5), body);
            Assert.Equal(Hex.Of(Merkle.LeafHash(LeafEncoding.LeafData(e))), Hex.Of(LeafEncoding.LeafHash(e)));
        }

        Assert.Equal(at, LeafEncoding.OccurredAtOf(Encoding.UTF8.GetBytes("{\"Nested\": {\"OccurredAt\": \"2001-01-01T00:00:00Z\"}, \"OccurredAt\": \"2017-05-24T18:00:00Z\"}")));
    }
}
