using System.Security.Cryptography;
using System.Text;

namespace AuditPlatform.Intake.Disclosures;

/// <summary>
/// Per-recipient fingerprints: HMAC-SHA256 of <c>disclosureId:partner</c> under a secret key, first 128
/// bits in lower-case hex. Each recipient embeds its own in its copy, so a leaked copy names its holder,
/// and nobody without the key can forge or predict one.
/// </summary>
public sealed class Fingerprints
{
    private readonly byte[] key;

    public Fingerprints(byte[] key)
    {
        if (key.Length < 32)
        {
            throw new ArgumentException("The fingerprint key must be at least 256 bits.", nameof(key));
        }

        this.key = key;
    }

    public string For(Guid disclosureId, string partner) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{disclosureId:D}:{partner}")).AsSpan(0, 16));

    /// <summary>From <c>Intake:FingerprintKey</c> (base64) or the file <c>Intake:FingerprintKeyFile</c>.</summary>
    public static Fingerprints FromConfiguration(IConfiguration configuration)
    {
        var text = configuration["Intake:FingerprintKey"];
        var file = configuration["Intake:FingerprintKeyFile"];
        if (string.IsNullOrWhiteSpace(text) && !string.IsNullOrWhiteSpace(file))
        {
            text = File.ReadAllText(file);
        }

        return string.IsNullOrWhiteSpace(text)
            ? throw new InvalidOperationException("Intake:FingerprintKey or Intake:FingerprintKeyFile must be configured.")
            : new Fingerprints(Convert.FromBase64String(text.Trim()));
    }
}
