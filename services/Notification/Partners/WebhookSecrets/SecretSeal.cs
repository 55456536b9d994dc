using System.Security.Cryptography;
using System.Text;

namespace AuditPlatform.Notification.Partners.WebhookSecrets;

/// <summary>
/// Seals webhook secrets with AES-256-GCM under Notification's own key (<c>Notification:SecretKey</c>, base64, or
/// the file <c>Notification:SecretKeyFile</c>), with the partner code as associated data, so a sealed secret
/// cannot be moved to another partner's row. A sealed value is base64 of nonce (12 bytes), tag (16) and ciphertext.
/// </summary>
public sealed class SecretSeal
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] key;

    public SecretSeal(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The webhook secret key must be 32 bytes.", nameof(key));
        }

        this.key = key;
    }

    public static SecretSeal FromConfiguration(IConfiguration configuration)
    {
        var text = configuration["Notification:SecretKey"];
        var file = configuration["Notification:SecretKeyFile"];
        if (string.IsNullOrWhiteSpace(text) && !string.IsNullOrWhiteSpace(file))
        {
            text = File.ReadAllText(file);
        }

        return string.IsNullOrWhiteSpace(text)
            ? throw new InvalidOperationException("Notification:SecretKey or Notification:SecretKeyFile (32 random bytes, base64) must be configured.")
            : new SecretSeal(Convert.FromBase64String(text.Trim()));
    }

    public WebhookSecret Close(string partner, SigningSecrets secrets) => new()
    {
        Id = partner,
        Current = Seal(partner, secrets.Current),
        Previous = secrets.Previous is null ? null : Seal(partner, secrets.Previous),
        PreviousUntil = secrets.PreviousUntil,
        SetAt = secrets.SetAt,
    };

    public SigningSecrets Open(WebhookSecret stored) =>
        new(Unseal(stored.Id, stored.Current), stored.Previous is null ? null : Unseal(stored.Id, stored.Previous), stored.PreviousUntil, stored.SetAt);

    private string Seal(string partner, string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), AssociatedData(partner));
        return Convert.ToBase64String(sealedBytes);
    }

    private string Unseal(string partner, string sealedText)
    {
        var sealedBytes = Convert.FromBase64String(sealedText);
        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize), plain, AssociatedData(partner));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] AssociatedData(string partner) => Encoding.UTF8.GetBytes("webhook-secret:" + partner);
}
