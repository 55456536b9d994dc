namespace AuditPlatform.Notification.Notices.Reading;

/// <summary>A notice as <c>GET /notifications</c> shows it (the contract's fields, then a few more for operators).</summary>
public sealed record NoticeView(
    Guid NoticeId,
    string Partner,
    string Kind,
    Guid DisclosureId,
    Guid? BreachId,
    string Status,
    string? Fingerprint,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    string? Channel,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    DateTimeOffset? RespondBy)
{
    public static NoticeView From(Notice n) => new(
        n.NoticeId, n.Partner, n.Kind, n.DisclosureId, n.BreachId, n.Status, n.Fingerprint, n.CreatedAt, n.DeliveredAt,
        n.AcknowledgedAt, n.AcknowledgedBy, n.Channel, n.Attempts, n.NextAttemptAt, n.LastError, n.RespondBy);
}
