using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AuditPlatform.Audit.Chain;

/// <summary>A signed checkpoint as the contract publishes it.</summary>
public sealed record SignedCheckpoint(long Sequence, string Root, DateTimeOffset SignedAt, string Signature, string PublicKey);

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

    /// <summary>True when the signature is valid for the statement under the given public key (nothing else trusted).</summary>
    public static bool Verify(SignedCheckpoint checkpoint, string? expectedPublicKey = null)
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
