using System.Security.Cryptography;
using System.Text;
using AuditPlatform.Audit.Chain;
using NSec.Cryptography;

namespace AuditPlatform.Audit.Tests.Chain;

/// <summary>
/// Checkpoint notes against c2sp.org/signed-note and c2sp.org/tlog-checkpoint, byte for byte. The expected key ID,
/// verifier key and signature were computed apart from this code, with Python's <c>cryptography</c> (Ed25519 is
/// deterministic, so one key and one text have one signature).
/// </summary>
public sealed class CheckpointNoteSpecs
{
    private const string Name = "example.com/ledger";

    // The Ed25519 key whose 32-byte seed is 0x00, 0x01, …, 0x1f; its public key is 03a107bf…5531b8.
    private const string PublicKeyHex = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
    private const string KeyIdHex = "93727de6";
    private const string VerifierKey = "example.com/ledger+93727de6+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";

    // The tree of size 42 with root SHA-256("") (any 32 bytes would do), signed by that key.
    private const string Text = "example.com/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    private const string SignatureLine = "— example.com/ledger k3J95mGfRilUQnjVgsqglQAesqlSME9Cj+oTEQZOlXHX7o467CdDFh6B5dt2y79swoMpSM4SHB0sGa4CKEIcSdlUkQE=\n";

    private static readonly byte[] Root = SHA256.HashData([]);

    [Fact]
    public void The_note_text_is_origin_size_and_base64_root_each_ending_in_a_newline()
    {
        Assert.Equal(Text, CheckpointNote.Text(Name, 42, Root));
        Assert.Equal("example.com/ledger\n0\n" + Convert.ToBase64String(Root) + "\n", CheckpointNote.Text(Name, 0, Root));
        Assert.Throws<ArgumentException>(() => CheckpointNote.Text("has space", 1, Root));
        Assert.Throws<ArgumentException>(() => CheckpointNote.Text("has+plus", 1, Root));
    }

    [Fact]
    public void A_known_key_has_the_spec_key_id_and_verifier_key_and_signs_the_known_note()
    {
        using var key = KnownKey();
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        Assert.Equal(PublicKeyHex, Convert.ToHexStringLower(publicKey));

        // key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]
        var input = Encoding.UTF8.GetBytes(Name + "\n").Concat(new byte[] { 0x01 }).Concat(publicKey).ToArray();
        Assert.Equal(KeyIdHex, Convert.ToHexStringLower(SHA256.HashData(input)[..4]));
        Assert.Equal(KeyIdHex, Convert.ToHexStringLower(CheckpointNote.KeyId(Name, publicKey)));
        Assert.Equal(VerifierKey, CheckpointNote.VerifierKey(Name, key.PublicKey));

        var note = CheckpointNote.Sign(key, Name, Text);
        Assert.Equal(Text + "\n" + SignatureLine, note);
        // The text's final newline, the blank line, then em dash (U+2014, UTF-8 E2 80 94) and a space.
        Assert.Equal(new byte[] { 0x0A, 0x0A, 0xE2, 0x80, 0x94, 0x20 }, Encoding.UTF8.GetBytes(note).AsSpan(Encoding.UTF8.GetByteCount(Text) - 1, 6).ToArray());
    }

    [Fact]
    public void The_signature_line_is_the_key_id_then_an_Ed25519_signature_over_the_text_that_NSec_verifies()
    {
        var signature = Convert.FromBase64String(SignatureLine["— example.com/ledger ".Length..^1]);
        Assert.Equal(4 + 64, signature.Length);
        Assert.Equal(KeyIdHex, Convert.ToHexStringLower(signature[..4]));
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(PublicKeyHex), KeyBlobFormat.RawPublicKey);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.UTF8.GetBytes(Text), signature.AsSpan(4)));
    }

    [Fact]
    public void A_note_verifies_with_its_verifier_key_alone_and_states_its_origin_size_and_root()
    {
        var body = CheckpointNote.Verify(Text + "\n" + SignatureLine, VerifierKey);
        Assert.NotNull(body);
        Assert.Equal(Name, body.Origin);
        Assert.Equal(42, body.Size);
        Assert.Equal(Root, body.Root);
    }

    [Theory]
    [InlineData("example.com/ledger\n43\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/ledger\n42\n57DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/other\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    [InlineData("example.com/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextension\n")]
    public void A_tampered_note_does_not_verify(string text) => Assert.Null(CheckpointNote.Verify(text + "\n" + SignatureLine, VerifierKey));

    [Fact]
    public void A_note_verifies_only_with_a_signature_of_the_trusted_key()
    {
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        var byOther = CheckpointNote.Sign(other, Name, Text);
        Assert.Null(CheckpointNote.Verify(byOther, VerifierKey));

        // Another key's line is ignored, whatever its name; the trusted key's own line still counts.
        Assert.NotNull(CheckpointNote.Verify(Text + "\n" + byOther[(Text.Length + 1)..] + SignatureLine, VerifierKey));
        Assert.NotNull(CheckpointNote.Verify(Text + "\n" + SignatureLine + "— witness.example/w1 AAAAAAAA\n", VerifierKey));

        // A line of the trusted name and key ID whose signature fails rejects the note.
        var broken = SignatureLine.Replace("k3J95mGf", "k3J95mGg", StringComparison.Ordinal);
        Assert.Null(CheckpointNote.Verify(Text + "\n" + broken, VerifierKey));
        Assert.Null(CheckpointNote.Verify(Text + "\n" + SignatureLine + broken, VerifierKey));
    }

    [Theory]
    [InlineData("example.com/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n— example.com/ledger x\n")]
    [InlineData("example.com/ledger\n42\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n- example.com/ledger x\n")]
    [InlineData("example.com/ledger\n042\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")]
    public void A_malformed_note_does_not_verify(string note) => Assert.Null(CheckpointNote.Verify(note, VerifierKey));

    [Theory]
    [InlineData("example.com/ledger+93727de7+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4")]
    [InlineData("example.com/ledger+93727de6+AgOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4")]
    [InlineData("example.com/other+93727de6+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4")]
    [InlineData("not a key")]
    public void A_wrong_or_malformed_verifier_key_verifies_nothing(string verifierKey) =>
        Assert.Null(CheckpointNote.Verify(Text + "\n" + SignatureLine, verifierKey));

    [Fact]
    public void A_checkpoint_with_a_note_verifies_by_the_note_and_one_without_by_its_ECDSA_statement()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = KnownKey();
        var legacy = CheckpointSignature.Sign(ecdsa, 40, Hex.Of(Root), DateTimeOffset.UnixEpoch);
        var noted = legacy with { Size = 42, Note = CheckpointNote.Sign(key, Name, Text), VerifierKey = VerifierKey };

        Assert.True(CheckpointSignature.Verify(noted, VerifierKey));
        Assert.True(CheckpointSignature.Verify(noted));
        Assert.True(CheckpointSignature.Verify(noted, legacy.PublicKey));
        Assert.False(CheckpointSignature.Verify(noted with { Size = 41 }, VerifierKey));
        Assert.False(CheckpointSignature.Verify(noted with { Root = Hex.Of(new byte[32]) }, VerifierKey));
        Assert.False(CheckpointSignature.Verify(noted with { Root = Hex.Of(new byte[32]) }, legacy.PublicKey));

        // A base64 ECDSA key may hold '+' as a verifier key does; its shape tells them apart.
        Assert.True(CheckpointNote.IsVerifierKey(VerifierKey));
        Assert.False(CheckpointNote.IsVerifierKey("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+hG9ab/c+Qx2"));

        // A checkpoint signed before notes verifies with its ECDSA key, and never with a note key.
        Assert.True(CheckpointSignature.Verify(legacy, legacy.PublicKey));
        Assert.True(CheckpointSignature.Verify(legacy));
        Assert.False(CheckpointSignature.Verify(legacy, VerifierKey));
    }

    [Fact]
    public void The_note_key_is_read_from_PKCS8_PEM_or_derived_stably_from_the_ECDSA_key()
    {
        const string pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f\n-----END PRIVATE KEY-----\n";
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var fromPem = new Ledger.AuditOptions { NoteKey = pem }.LoadNoteKey(ecdsa);
        Assert.Equal(PublicKeyHex, Convert.ToHexStringLower(fromPem.PublicKey.Export(KeyBlobFormat.RawPublicKey)));

        using var derived = new Ledger.AuditOptions().LoadNoteKey(ecdsa);
        using var again = new Ledger.AuditOptions().LoadNoteKey(ecdsa);
        Assert.Equal(derived.PublicKey.Export(KeyBlobFormat.RawPublicKey), again.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    private static Key KnownKey() =>
        Key.Import(SignatureAlgorithm.Ed25519, Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), KeyBlobFormat.RawPrivateKey);
}
