using System.Security.Cryptography;
using System.Text;

namespace AuditPlatform.Notification.Partners.WebhookSecrets;

/// <summary>
/// A partner's webhook signing secrets as Notification stores them, sealed by <see cref="SecretSeal"/>: Notification
/// is the only service that ever holds a webhook secret, and even its own schema holds none in plaintext. The id
/// is the partner code.
/// </summary>
public sealed record WebhookSecret
{
    public required string Id { get; init; }

    /// <summary>The secret every delivery is signed with (sealed).</summary>
    public required string Current { get; init; }

    /// <summary>The secret it replaced (sealed), still signing until <see cref="PreviousUntil"/>.</summary>
    public string? Previous { get; init; }

    public DateTimeOffset? PreviousUntil { get; init; }

    /// <summary>When the current secret was set.</summary>
    public required DateTimeOffset SetAt { get; init; }
}

/// <summary>The secrets in plaintext: only ever in Notification's memory, while a delivery is signed or an admin sets one.</summary>
public sealed record SigningSecrets(string Current, string? Previous, DateTimeOffset? PreviousUntil, DateTimeOffset SetAt)
{
    public const int MinLength = 16;
    public const int MaxLength = 200;

    /// <summary>
    /// What a delivery sent at <paramref name="now"/> is signed with: the current secret, then the previous one
    /// while its grace window lasts, so a partner that still verifies with it loses no notice during a rotation.
    /// </summary>
    public IReadOnlyList<string> At(DateTimeOffset now) => Previous is not null && now < PreviousUntil ? [Current, Previous] : [Current];

    /// <summary>
    /// Setting a secret: null when it is already the current one (the PUT is idempotent). The secret it replaces
    /// keeps signing for <paramref name="grace"/>; one replaced earlier, still in its window, stops at once.
    /// </summary>
    public static SigningSecrets? Set(SigningSecrets? state, string secret, DateTimeOffset now, TimeSpan grace)
    {
        if (state is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(state.Current), Encoding.UTF8.GetBytes(secret)))
        {
            return null;
        }

        return state is null || grace <= TimeSpan.Zero
            ? new SigningSecrets(secret, null, null, now)
            : new SigningSecrets(secret, state.Current, now + grace, now);
    }

    /// <summary>A secret for an admin who did not choose one: 32 random bytes, in hex.</summary>
    public static string Generate() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
