using AuditPlatform.Notification.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace AuditPlatform.Notification.Notices;

/// <summary>The states of a notice, as the contract spells them.</summary>
public static class NoticeStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Acknowledged = "acknowledged";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Delivered, Acknowledged, Failed];
}

/// <summary>A notice to one partner and where its delivery stands; the document id is the stream key.</summary>
public sealed record Notice
{
    public required string Id { get; init; }

    public required Guid NoticeId { get; init; }

    public required string Partner { get; init; }

    public required string Kind { get; init; }

    public required Guid DisclosureId { get; init; }

    public Guid? BreachId { get; init; }

    public string? Fingerprint { get; init; }

    public required string Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the next delivery attempt is due; null once the notice is settled.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    public int Attempts { get; init; }

    public string? LastError { get; init; }

    public string? Channel { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? RespondBy { get; init; }

    /// <summary>What the partner is told.</summary>
    public required NoticeCreated Content { get; init; }

    /// <summary>The W3C trace context the notice was created in, so its delivery continues the same story.</summary>
    public string? TraceParent { get; init; }

    public static string StreamFor(Guid noticeId) => StreamKey.For(StreamKinds.Notice, noticeId);
}

/// <summary>How a notice's stream folds into its state; shared by the notice's command slices and its read model.</summary>
public static class NoticeHistory
{
    public static Notice? Evolve(Notice? state, NoticeEvent change) => change switch
    {
        NoticeCreated e => new Notice
        {
            Id = Notice.StreamFor(e.NoticeId),
            NoticeId = e.NoticeId,
            Partner = e.Partner,
            Kind = e.Kind,
            DisclosureId = e.DisclosureId,
            BreachId = e.BreachId,
            Fingerprint = e.Fingerprint,
            Status = NoticeStatuses.Pending,
            CreatedAt = e.OccurredAt,
            NextAttemptAt = e.OccurredAt,
            RespondBy = e.RespondBy,
            Content = e,
        },
        NoticeDeliveryFailed e when state is not null => state with
        {
            Attempts = e.Attempt,
            LastError = e.Error,
            NextAttemptAt = state.Status == NoticeStatuses.Pending ? e.NextAttemptAt : null,
            Status = state.Status == NoticeStatuses.Pending && e.NextAttemptAt is null ? NoticeStatuses.Failed : state.Status,
        },
        PartnerNotified e when state is not null => state with
        {
            Attempts = e.Attempt,
            Channel = e.Channel,
            DeliveredAt = e.OccurredAt,
            NextAttemptAt = null,
            Status = state.Status == NoticeStatuses.Acknowledged ? NoticeStatuses.Acknowledged : NoticeStatuses.Delivered,
        },
        NoticeAcknowledged e when state is not null => state with
        {
            Status = NoticeStatuses.Acknowledged,
            AcknowledgedAt = e.OccurredAt,
            AcknowledgedBy = e.By,
            NextAttemptAt = null,
        },
        _ => state,
    };
}

/// <summary>Keeps the <see cref="Notice"/> document in step with its stream, in the same transaction.</summary>
public sealed class NoticeProjection : SingleStreamProjection<Notice, string>
{
    public NoticeProjection()
    {
        IncludeType<NoticeCreated>();
        IncludeType<NoticeDeliveryFailed>();
        IncludeType<PartnerNotified>();
        IncludeType<NoticeAcknowledged>();
    }

    public override Notice? Evolve(Notice? snapshot, string id, IEvent e)
    {
        if (e.Data is not NoticeEvent change)
        {
            return snapshot;
        }

        var next = NoticeHistory.Evolve(snapshot, change);
        return change is NoticeCreated && next is not null ? next with { TraceParent = TracedSessions.TraceParentOf(e) } : next;
    }
}
