using System.Security.Cryptography;
using AuditPlatform.Notification.Partners.WebhookSecrets;

namespace AuditPlatform.Notification.Tests.Decisions;

public class WebhookSecretSpecs
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromDays(7);

    [Fact]
    public void A_first_secret_signs_alone()
    {
        var secrets = SigningSecrets.Set(null, "first-secret-0000001", Now, Grace)!;

        Assert.Equal(["first-secret-0000001"], secrets.At(Now));
        Assert.Null(secrets.Previous);
        Assert.Equal(Now, secrets.SetAt);
    }

    [Fact]
    public void Setting_the_current_secret_again_changes_nothing()
    {
        var secrets = SigningSecrets.Set(null, "first-secret-0000001", Now, Grace);

        Assert.Null(SigningSecrets.Set(secrets, "first-secret-0000001", Now.AddHours(1), Grace));
    }

    [Fact]
    public void A_replaced_secret_signs_second_until_its_grace_window_ends()
    {
        var first = SigningSecrets.Set(null, "first-secret-0000001", Now, Grace);
        var rotated = SigningSecrets.Set(first, "second-secret-000002", Now.AddDays(1), Grace)!;

        Assert.Equal(["second-secret-000002", "first-secret-0000001"], rotated.At(Now.AddDays(1)));
        Assert.Equal(["second-secret-000002", "first-secret-0000001"], rotated.At(Now.AddDays(8).AddTicks(-1)));
        Assert.Equal(["second-secret-000002"], rotated.At(Now.AddDays(8)));
    }

    [Fact]
    public void A_second_rotation_within_the_window_drops_the_oldest_secret()
    {
        var first = SigningSecrets.Set(null, "first-secret-0000001", Now, Grace);
        var second = SigningSecrets.Set(first, "second-secret-000002", Now.AddHours(1), Grace);
        var third = SigningSecrets.Set(second, "third-secret-0000003", Now.AddHours(2), Grace)!;

        Assert.Equal(["third-secret-0000003", "second-secret-000002"], third.At(Now.AddHours(2)));
    }

    [Fact]
    public void Without_a_grace_window_a_rotation_replaces_the_secret_at_once()
    {
        var first = SigningSecrets.Set(null, "first-secret-0000001", Now, Grace);

        Assert.Equal(["second-secret-000002"], SigningSecrets.Set(first, "second-secret-000002", Now, TimeSpan.Zero)!.At(Now));
    }

    [Fact]
    public void A_generated_secret_is_32_random_bytes_in_hex()
    {
        Assert.Matches("^[0-9a-f]{64}$", SigningSecrets.Generate());
        Assert.NotEqual(SigningSecrets.Generate(), SigningSecrets.Generate());
    }

    [Fact]
    public void A_sealed_secret_holds_no_plaintext_opens_for_its_own_partner_only_and_differs_each_time()
    {
        var seal = new SecretSeal(RandomNumberGenerator.GetBytes(32));
        var secrets = new SigningSecrets("partner-secret-0000001", "partner-secret-0000000", Now.Add(Grace), Now);

        var stored = seal.Close("US-DHS", secrets);

        Assert.DoesNotContain("partner-secret", stored.Current, StringComparison.Ordinal);
        Assert.NotEqual(stored.Current, seal.Close("US-DHS", secrets).Current);
        Assert.Equal(secrets, seal.Open(stored));
        Assert.ThrowsAny<CryptographicException>(() => seal.Open(stored with { Id = "US-FBI" }));
        Assert.ThrowsAny<CryptographicException>(() => new SecretSeal(RandomNumberGenerator.GetBytes(32)).Open(stored));
    }
}
