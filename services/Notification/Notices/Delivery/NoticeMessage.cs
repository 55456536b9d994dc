using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using AuditPlatform.Notification.Ledger;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>
/// The notice as a partner receives it, on its queue or its webhook: plain camelCase JSON, so an integrator in any
/// language reads it without the platform's libraries.
/// </summary>
public sealed record NoticeMessage(
    Guid NoticeId,
    string Partner,
    string Kind,
    Guid DisclosureId,
    Guid? BreachId,
    string Classification,
    IReadOnlyList<string> Caveats,
    string? Title,
    string? Fingerprint,
    string? Severity,
    string? Outlet,
    string? Description,
    DateTimeOffset? ObservedAt,
    bool? Attributed,
    DateTimeOffset? RespondBy,
    DateTimeOffset CreatedAt)
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static NoticeMessage From(NoticeCreated n) => new(
        n.NoticeId, n.Partner, n.Kind, n.DisclosureId, n.BreachId, n.Classification, n.Caveats, n.Title, n.Fingerprint,
        n.Severity, n.Outlet, n.Description, n.ObservedAt, n.Attributed, n.RespondBy, n.OccurredAt);

    /// <summary>The exact bytes sent; the same notice always serialises to the same bytes.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Wire);
}

/// <summary>The webhook signature: <c>sha256=</c> and the lower-case hex HMAC-SHA256 of the exact body bytes under the partner's secret.</summary>
public static class WebhookSignature
{
    public const string Header = "X-Audit-Signature";

    /// <summary>During a rotation's grace window: the same signature under the secret being replaced.</summary>
    public const string PreviousHeader = "X-Audit-Signature-Previous";
    public const string Prefix = "sha256=";

    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));

    /// <summary>What a receiver does: recompute and compare in constant time.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(Compute(secret, body)), System.Text.Encoding.ASCII.GetBytes(header));
}
