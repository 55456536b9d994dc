using System.Security.Cryptography;
using System.Text;
using AuditPlatform.Audit.Chain;
using NSec.Cryptography;

namespace AuditPlatform.Audit.Tests.Chain;

/// <summary>
/// Witness cosignatures against c2sp.org/tlog-cosignature (Ed25519, <c>cosignature/v1</c>), byte for byte. The
/// expected key ID, verifier key and line were computed apart from this code, with Python's <c>cryptography</c>, from
/// the Ed25519 key whose seed is 0x00, 0x01, …, 0x1f, the witness name below and the timestamp 1679315147.
/// </summary>
public sealed class CosignatureSpecs
{
    private const string Witness = "witness.example/w1";
    private const string KeyIdHex = "e75f6532";
    private const string VerifierKey = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
    private const string Text = "example.com/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    private const string Line =
        "— witness.example/w1 519lMgAAAABkGFDLsCj6pX0nd5GvTr5Dc43bg96KXuJ/F/BQilBJOrKYlPf9/Tcn1C1I1ThHlDzsWx0UM8SJaAvkDBFePUOp3Il3DQ==\n";

    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1679315147);

    [Fact]
    public void A_known_key_has_the_spec_key_id_and_verifier_key_and_cosigns_the_known_line()
    {
        using var key = KnownKey();
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        // key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]
        var input = Encoding.UTF8.GetBytes(Witness + "\n").Concat(new byte[] { 0x04 }).Concat(publicKey).ToArray();
        Assert.Equal(KeyIdHex, Convert.ToHexStringLower(SHA256.HashData(input)[..4]));
        Assert.Equal(VerifierKey, Cosignature.VerifierKey(Witness, key.PublicKey));
        Assert.Equal(Line, Cosignature.Sign(key, Witness, Text, At));
        Assert.Equal("cosignature/v1\ntime 1679315147\n" + Text, Encoding.UTF8.GetString(Cosignature.Message(Text, 1679315147)));
    }

    [Fact]
    public void A_cosigned_note_verifies_with_the_witness_key_alone_and_tells_when_it_was_cosigned()
    {
        var note = Text + "\n" + "— example.com/ledger k3J95mGfRilUQnjVgsqglQAesqlSME9Cj+oTEQZOlXHX7o467CdDFh6B5dt2y79swoMpSM4SHB0sGa4CKEIcSdlUkQE=\n" + Line;
        Assert.Equal(At, Cosignature.Verify(note, VerifierKey));
        Assert.Equal([Witness], Cosignature.CosignedBy(note, [new TrustedWitness(Witness, VerifierKey)]));
        // The log's own signature still verifies beside it: a witness's line is just another signature on the note.
        Assert.NotNull(CheckpointNote.Verify(note, "example.com/ledger+93727de6+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"));
    }

    [Theory]
    [InlineData("example.com/ledger\n43\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/ledger\n42\n57DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/other\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    public void A_cosignature_moved_onto_another_tree_does_not_verify(string otherText) =>
        Assert.Null(Cosignature.Verify(otherText + "\n" + Line, VerifierKey));

    [Fact]
    public void A_changed_timestamp_a_note_signature_key_and_an_unknown_witness_are_not_cosignatures()
    {
        var bytes = Convert.FromBase64String(Line["— witness.example/w1 ".Length..^1]);
        bytes[11] ^= 1;
        Assert.Null(Cosignature.Verify(Text + "\n— witness.example/w1 " + Convert.ToBase64String(bytes) + "\n", VerifierKey));
        // A note verifier key (type 0x01) is not a cosignature key (type 0x04), even for the same public key.
        Assert.False(Cosignature.IsVerifierKey("example.com/ledger+93727de6+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"));
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        Assert.Null(Cosignature.Verify(Text + "\n" + Line, Cosignature.VerifierKey("witness.example/w2", other.PublicKey)));
    }

    private static Key KnownKey() => Key.Import(SignatureAlgorithm.Ed25519, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), KeyBlobFormat.RawPrivateKey);
}
