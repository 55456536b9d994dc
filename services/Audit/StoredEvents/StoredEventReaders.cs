using System.Collections.Frozen;
using System.Text.Json;

namespace AuditPlatform.Audit.StoredEvents;

/// <summary>
/// The stored events of other services that Audit reads, by their stable stored name (the <c>type</c> column), each with
/// its typed reader. Bodies are read with the ledger's naming: Marten serialises with System.Text.Json and no naming
/// policy, so a field is named exactly as the owning record's property; matching is case-sensitive, as jsonb's is.
/// </summary>
public static class StoredEventReaders
{
    private static readonly JsonSerializerOptions Json = ReadOnly(new JsonSerializerOptions(JsonSerializerDefaults.General));

    public static FrozenDictionary<string, Type> ByName { get; } = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [PartnerRegistered.StoredName] = typeof(PartnerRegistered),
        [SharingSuspended.StoredName] = typeof(SharingSuspended),
        [SharingRestored.StoredName] = typeof(SharingRestored),
        [DisclosureRecorded.StoredName] = typeof(DisclosureRecorded),
        [SharingBlocked.StoredName] = typeof(SharingBlocked),
        [BreachReported.StoredName] = typeof(BreachReported),
        [IntelligenceReceived.StoredName] = typeof(IntelligenceReceived),
        [NoticeCreated.StoredName] = typeof(NoticeCreated),
        [NoticeDeliveryFailed.StoredName] = typeof(NoticeDeliveryFailed),
        [PartnerNotified.StoredName] = typeof(PartnerNotified),
        [NoticeAcknowledged.StoredName] = typeof(NoticeAcknowledged),
        [DiplomaticResponseRecorded.StoredName] = typeof(DiplomaticResponseRecorded),
        [CaseOpened.StoredName] = typeof(CaseOpened),
        [CaseResponseReceived.StoredName] = typeof(CaseResponseReceived),
        [SharingSuspensionRequested.StoredName] = typeof(SharingSuspensionRequested),
        [SharingRestorationRequested.StoredName] = typeof(SharingRestorationRequested),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The body of a stored event through its reader; null when Audit has no reader for <paramref name="storedName"/> or
    /// the body does not have the shape its reader expects (a malformed row is shown raw, never answered with a 500).
    /// </summary>
    public static object? Read(string storedName, string data)
    {
        if (!ByName.TryGetValue(storedName, out var reader))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(data, reader, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// The body fields Audit's SQL filters on, named by the readers' properties, so the SQL and the typed readers (and
/// the test that checks them against the owning services' events) cannot disagree.
/// </summary>
public static class StoredField
{
    public const string OccurredAt = nameof(IHappened.OccurredAt);
    public const string Partner = nameof(INamesPartner.Partner);
    public const string AttributedPartner = nameof(BreachReported.AttributedPartner);
    public const string ExposureSet = nameof(BreachReported.ExposureSet);
    public const string Recipients = nameof(DisclosureRecorded.Recipients);
    public const string RecipientPartner = nameof(Recipient.Partner);
    public const string BlockedRecipients = nameof(SharingBlocked.Recipients);
    public const string CasePartners = nameof(CaseOpened.Partners);
    public const string NoticeDisclosureId = nameof(NoticeCreated.DisclosureId);
}
