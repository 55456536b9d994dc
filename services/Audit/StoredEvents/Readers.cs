using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditPlatform.Audit.StoredEvents;

// How Audit reads other services' stored events: one small record per stored name, holding only the fields Audit
// relies on, with the property names the owning service's event serialises to (Marten keeps C# names as written).
// StoredEventReaderTests builds each owning service's real event and reads it back through these, so renaming a
// property there fails a test instead of silently emptying a filter over history.

/// <summary>Every stored event says when it happened in the world; Audit's world-time filters read it.</summary>
public interface IHappened
{
    DateTimeOffset? OccurredAt { get; }
}

/// <summary>An event about one partner; the <c>partner=</c> filter matches its <see cref="Partner"/>.</summary>
public interface INamesPartner
{
    string? Partner { get; }
}

/// <summary>The first event of a stream the compliance page finds: its <see cref="Headline"/> names the stream in the search.</summary>
public interface IHasHeadline
{
    string? Headline { get; }
}

/// <summary>Intake's <c>partner_registered</c>.</summary>
public sealed record PartnerRegistered(string? Name, DateTimeOffset? OccurredAt) : IHappened, IHasHeadline
{
    public const string StoredName = "partner_registered";

    public string? Headline => Name;
}

/// <summary>Intake's <c>sharing_suspended</c>.</summary>
public sealed record SharingSuspended(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "sharing_suspended";
}

/// <summary>Intake's <c>sharing_restored</c>.</summary>
public sealed record SharingRestored(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "sharing_restored";
}

/// <summary>Intake's <c>disclosure_recorded</c>: who it was shared with.</summary>
public sealed record DisclosureRecorded(string? Title, IReadOnlyList<Recipient>? Recipients, DateTimeOffset? OccurredAt) : IHappened, IHasHeadline
{
    public const string StoredName = "disclosure_recorded";

    public string? Headline => Title;
}

/// <summary>
/// A recipient of <see cref="DisclosureRecorded"/>: stored as <c>{ Partner, Fingerprint }</c>; bodies recorded before
/// fingerprints hold the bare partner code, read here as a recipient without a fingerprint.
/// </summary>
[JsonConverter(typeof(RecipientConverter))]
public sealed record Recipient(string? Partner, string? Fingerprint);

/// <summary>Intake's <c>sharing_blocked</c>: a share refused; its recipients are bare partner codes.</summary>
public sealed record SharingBlocked(string? Title, IReadOnlyList<string>? Recipients, DateTimeOffset? OccurredAt) : IHappened, IHasHeadline
{
    public const string StoredName = "sharing_blocked";

    public string? Headline => Title;
}

/// <summary>Intake's <c>breach_reported</c>: who could have leaked it, and who it was attributed to.</summary>
public sealed record BreachReported(string? Outlet, IReadOnlyList<string>? ExposureSet, string? AttributedPartner, DateTimeOffset? OccurredAt) : IHappened, IHasHeadline
{
    public const string StoredName = "breach_reported";

    public string? Headline => Outlet;
}

/// <summary>Intake's <c>intelligence_received</c>.</summary>
public sealed record IntelligenceReceived(string? Source, string? Summary, DateTimeOffset? OccurredAt) : IHappened, IHasHeadline
{
    public const string StoredName = "intelligence_received";

    public string? Headline => Summary ?? Source;
}

/// <summary>Notification's <c>notice_created</c>: the notice stream of a partner for a disclosure.</summary>
public sealed record NoticeCreated(string? Partner, Guid? DisclosureId, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "notice_created";
}

/// <summary>Notification's <c>notice_delivery_failed</c>.</summary>
public sealed record NoticeDeliveryFailed(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "notice_delivery_failed";
}

/// <summary>Notification's <c>partner_notified</c>.</summary>
public sealed record PartnerNotified(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "partner_notified";
}

/// <summary>Notification's <c>notice_acknowledged</c>: when the partner of its notice stream acknowledged it.</summary>
public sealed record NoticeAcknowledged(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "notice_acknowledged";
}

/// <summary>Notification's <c>diplomatic_response_recorded</c>.</summary>
public sealed record DiplomaticResponseRecorded(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "diplomatic_response_recorded";
}

/// <summary>Escalation's <c>case_opened</c>: the partners a case is about.</summary>
public sealed record CaseOpened(IReadOnlyList<string>? Partners, string? Summary, DateTimeOffset? OccurredAt) : IHappened, IHasHeadline
{
    public const string StoredName = "case_opened";

    public string? Headline => Summary;
}

/// <summary>Escalation's <c>case_response_received</c>.</summary>
public sealed record CaseResponseReceived(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "case_response_received";
}

/// <summary>Escalation's <c>sharing_suspension_requested</c>.</summary>
public sealed record SharingSuspensionRequested(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "sharing_suspension_requested";
}

/// <summary>Escalation's <c>sharing_restoration_requested</c>.</summary>
public sealed record SharingRestorationRequested(string? Partner, DateTimeOffset? OccurredAt) : IHappened, INamesPartner
{
    public const string StoredName = "sharing_restoration_requested";
}

/// <summary>Reads a <see cref="Recipient"/> in either stored shape; anything else is a recipient with no partner, which no query matches.</summary>
public sealed class RecipientConverter : JsonConverter<Recipient>
{
    public override bool HandleNull => true;

    public override Recipient Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var value = document.RootElement;
        return value.ValueKind switch
        {
            JsonValueKind.String => new Recipient(value.GetString(), null),
            JsonValueKind.Object => new Recipient(Text(value, nameof(Recipient.Partner)), Text(value, nameof(Recipient.Fingerprint))),
            _ => new Recipient(null, null),
        };
    }

    public override void Write(Utf8JsonWriter writer, Recipient value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Audit reads stored events; it never writes another service's.");

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var field) && field.ValueKind == JsonValueKind.String ? field.GetString() : null;
}
