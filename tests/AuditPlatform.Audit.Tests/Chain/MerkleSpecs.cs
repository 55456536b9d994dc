using System.Security.Cryptography;
using System.Text;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.Audit.Tests.Chain;

public sealed class MerkleSpecs
{
    // RFC 6962 reference vectors (certificate-transparency test data): the leaf inputs and the root of each prefix.
    private static readonly string[] Inputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

    private static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void Roots_match_the_RFC_6962_reference_vectors()
    {
        var leaves = Inputs.Select(i => Merkle.LeafHash(Convert.FromHexString(i))).ToList();
        for (var n = 1; n <= leaves.Count; n++)
        {
            Assert.Equal(Roots[n - 1], Hex.Of(Merkle.Root(leaves.Take(n).ToList())));
        }
    }

    [Fact]
    public void The_empty_tree_is_the_hash_of_nothing() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex.Of(Merkle.Root([])));

    [Fact]
    public void Every_leaf_of_every_tree_up_to_70_has_a_path_to_the_root_and_a_wrong_leaf_has_none()
    {
        for (var n = 1; n <= 70; n++)
        {
            var leaves = Leaves(n);
            var root = Merkle.Root(leaves);
            for (var i = 0; i < n; i++)
            {
                var path = Merkle.InclusionPath(leaves, i);
                Assert.True(Merkle.VerifyInclusion(leaves[i], path, root), $"leaf {i} of {n}");
                Assert.False(Merkle.VerifyInclusion(Merkle.LeafHash([0xff]), path, root), $"wrong leaf {i} of {n}");
                if (path.Count > 0)
                {
                    var flipped = path.Select((s, j) => j == 0 ? s with { Side = s.Side == Merkle.Left ? Merkle.Right : Merkle.Left } : s).ToList();
                    Assert.False(Merkle.VerifyInclusion(leaves[i], flipped, root), $"flipped side {i} of {n}");
                }
            }
        }
    }

    [Fact]
    public void A_path_with_an_unknown_side_or_a_bad_hash_does_not_verify()
    {
        var leaves = Leaves(5);
        var root = Merkle.Root(leaves);
        var path = Merkle.InclusionPath(leaves, 2);
        Assert.False(Merkle.VerifyInclusion(leaves[2], [path[0] with { Side = "up" }, .. path.Skip(1)], root));
        Assert.False(Merkle.VerifyInclusion(leaves[2], [path[0] with { Hash = "zz" }, .. path.Skip(1)], root));
    }

    [Fact]
    public void Every_prefix_of_every_tree_up_to_70_is_proven_consistent_and_a_changed_prefix_is_not()
    {
        for (var n = 1; n <= 70; n++)
        {
            var leaves = Leaves(n);
            var newRoot = Merkle.Root(leaves);
            for (var m = 1; m <= n; m++)
            {
                var oldLeaves = leaves.Take(m).ToList();
                var oldRoot = Merkle.Root(oldLeaves);
                var proof = Merkle.ConsistencyProof(leaves, m);
                Assert.True(Merkle.VerifyConsistency(m, n, oldRoot, newRoot, proof), $"{m} -> {n}");

                oldLeaves[m / 2] = Merkle.LeafHash([0xee]);
                var alteredOld = Merkle.Root(oldLeaves);
                Assert.False(Merkle.VerifyConsistency(m, n, alteredOld, newRoot, proof), $"altered {m} -> {n}");
                if (proof.Count > 0)
                {
                    var tampered = proof.Select((h, j) => j == proof.Count - 1 ? Merkle.LeafHash([0xdd]) : h).ToList();
                    Assert.False(Merkle.VerifyConsistency(m, n, oldRoot, newRoot, tampered), $"changed proof {m} -> {n}");
                    Assert.False(Merkle.VerifyConsistency(m, n, oldRoot, newRoot, proof.Take(proof.Count - 1).ToList()), $"short proof {m} -> {n}");
                }
            }
        }
    }

    [Fact]
    public void Consistency_refuses_impossible_sizes()
    {
        var leaves = Leaves(4);
        var root = Merkle.Root(leaves);
        Assert.False(Merkle.VerifyConsistency(0, 4, root, root, []));
        Assert.False(Merkle.VerifyConsistency(5, 4, root, root, []));
        Assert.False(Merkle.VerifyConsistency(2, 4, root, root, []));
    }

    [Fact]
    public void The_chain_hash_links_each_leaf_to_the_previous_hash()
    {
        var leaf = Merkle.LeafHash([1]);
        var expected = SHA256.HashData([.. new byte[32], .. leaf]);
        Assert.Equal(expected, LeafEncoding.ChainHash(LeafEncoding.Genesis, leaf));
    }

    [Fact]
    public void The_leaf_encoding_is_length_prefixed_utf8_of_the_seven_fields()
    {
        var e = new LedgerEvent(7, Guid.Empty, "partner/US-FBI", 2, "sharing_suspended",
            new DateTimeOffset(2017, 5, 25, 10, 0, 0, 123, TimeSpan.Zero).AddTicks(4560),
            """{"OccurredAt": "2017-05-25T09:30:00+01:00", "Partner": "US-FBI"}""");
        var data = LeafEncoding.LeafData(e);
        var fields = new List<string>();
        for (var at = 0; at < data.Length;)
        {
            var length = (data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3];
            fields.Add(Encoding.UTF8.GetString(data, at + 4, length));
            at += 4 + length;
        }

        Assert.Equal(
            ["7", "partner/US-FBI", "2", "sharing_suspended", "2017-05-25T08:30:00.000000Z", "2017-05-25T10:00:00.123456Z", e.Data],
            fields);
        Assert.Equal(SHA256.HashData([0, .. data]), LeafEncoding.LeafHash(e));
    }

    [Fact]
    public void A_body_without_a_world_time_encodes_it_empty() =>
        Assert.Null(new LedgerEvent(1, Guid.Empty, "x/1", 1, "t", DateTimeOffset.UnixEpoch, """{"a": 1}""").OccurredAt);

    [Fact]
    public void A_signed_checkpoint_verifies_with_its_public_key_and_not_once_changed()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var checkpoint = CheckpointSignature.Sign(key, 42, Roots[0], new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567));
        Assert.Equal("auditplatform-checkpoint/v1\n42\n" + Roots[0] + "\n2026-01-02T03:04:05.123456Z",
            CheckpointSignature.Statement(checkpoint.Sequence, checkpoint.Root, checkpoint.SignedAt));
        Assert.True(CheckpointSignature.Verify(checkpoint));
        Assert.True(CheckpointSignature.Verify(checkpoint, checkpoint.PublicKey));
        Assert.False(CheckpointSignature.Verify(checkpoint with { Sequence = 43 }));
        Assert.False(CheckpointSignature.Verify(checkpoint with { Root = Roots[1] }));
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(CheckpointSignature.Verify(checkpoint, Convert.ToBase64String(other.ExportSubjectPublicKeyInfo())));
        Assert.False(CheckpointSignature.Verify(checkpoint with { Signature = "not base64!" }));
    }

    private static List<byte[]> Leaves(int n) =>
        Enumerable.Range(0, n).Select(i => Merkle.LeafHash(BitConverter.GetBytes(i))).ToList();
}
