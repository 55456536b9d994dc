using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AuditPlatform.Audit.Chain;

/// <summary>
/// A signed checkpoint as the API answers it. <see cref="Note"/> (a C2SP signed note, <see cref="CheckpointNote"/>) and
/// <see cref="VerifierKey"/> are there on checkpoints signed as notes and are what to verify; <see cref="Signature"/> and
/// <see cref="PublicKey"/> are the ECDSA signature every checkpoint has carried, kept so older verifiers keep working.
/// <see cref="Sequence"/> is the global sequence of the last leaf, <see cref="Size"/> the number of leaves.
/// </summary>
public sealed record SignedCheckpoint(
    long Sequence, string Root, DateTimeOffset SignedAt, string Signature, string PublicKey, long? Size = null, string? Note = null, string? VerifierKey = null);

/// <summary>The checkpoint statement and its ECDSA P-256 / SHA-256 signature (DER, base64); the key is base64 SubjectPublicKeyInfo.</summary>
public static class CheckpointSignature
{
    public static string Statement(long sequence, string root, DateTimeOffset signedAt) =>
        string.Create(CultureInfo.InvariantCulture, $"auditplatform-checkpoint/v1\n{sequence}\n{root}\n{LeafEncoding.Time(signedAt)}");

    public static SignedCheckpoint Sign(ECDsa key, long sequence, string root, DateTimeOffset signedAt)
    {
        var signedAtMicro = Truncate(signedAt);
        var signature = key.SignData(Encoding.UTF8.GetBytes(Statement(sequence, root, signedAtMicro)), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new SignedCheckpoint(sequence, root, signedAtMicro, Convert.ToBase64String(signature), Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>
    /// True when the checkpoint is signed by the trusted key: a note verifier key checks the note (which must state the
    /// checkpoint's root and size); an ECDSA public key checks the older statement (and a note, if any, must still agree).
    /// With no trusted key the checkpoint's own key is used, which proves only that it is self-consistent.
    /// </summary>
    public static bool Verify(SignedCheckpoint checkpoint, string? trustedKey = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (trustedKey is not null ? CheckpointNote.IsVerifierKey(trustedKey) : checkpoint.Note is not null)
        {
            return checkpoint.Note is not null && (trustedKey ?? checkpoint.VerifierKey) is { } verifierKey
                && CheckpointNote.Verify(checkpoint.Note, verifierKey) is { } signed && States(signed, checkpoint);
        }

        if (checkpoint.Note is not null && (CheckpointNote.Parse(checkpoint.Note) is not { } stated || !States(stated, checkpoint)))
        {
            return false;
        }

        return VerifyStatement(checkpoint, trustedKey);
    }

    /// <summary>True when the note states the same tree as the checkpoint's own fields, so neither can be swapped under the other.</summary>
    private static bool States(CheckpointBody body, SignedCheckpoint checkpoint) =>
        string.Equals(Hex.Of(body.Root), checkpoint.Root, StringComparison.Ordinal) && (checkpoint.Size is null || checkpoint.Size == body.Size);

    private static bool VerifyStatement(SignedCheckpoint checkpoint, string? expectedPublicKey)
    {
        if (expectedPublicKey is not null && !string.Equals(expectedPublicKey, checkpoint.PublicKey, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(checkpoint.PublicKey), out _);
            return key.VerifyData(
                Encoding.UTF8.GetBytes(Statement(checkpoint.Sequence, checkpoint.Root, checkpoint.SignedAt)),
                Convert.FromBase64String(checkpoint.Signature), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Times carry microseconds at most (PostgreSQL's precision), so a stored checkpoint reads back exactly as signed.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % 10), TimeSpan.Zero);
}
