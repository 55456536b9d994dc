using AuditPlatform.Audit.StoredEvents;
using AuditPlatform.ServiceDefaults.Ledger;
using Marten;
using EscalationStored = AuditPlatform.Escalation.Ledger;
using IntakeStored = AuditPlatform.Intake.Ledger;
using NotificationStored = AuditPlatform.Notification.Ledger;
using Read = AuditPlatform.Audit.StoredEvents;

namespace AuditPlatform.Audit.Tests.StoredEvents;

/// <summary>
/// Audit reads other services' stored events through typed readers (<see cref="StoredEventReaders"/>). Each reader is
/// checked here against the owning service's real stored event, serialised by the ledger's own Marten serializer and
/// under the stable name the owning service registers: renaming a property there, or a stored name, fails here
/// instead of silently emptying Audit's filters over history. No database: this is the serialisation only.
/// </summary>
public sealed class StoredEventReaderTests
{
    private static readonly DateTimeOffset Happened = new(2017, 5, 24, 18, 0, 0, TimeSpan.Zero);
    private static readonly Guid DisclosureId = Guid.Parse("6b1f3a52-0000-4000-8000-000000000002");
    private static readonly Guid NoticeId = Guid.Parse("6b1f3a52-0000-4000-8000-0000000000a1");

    /// <summary>The stored name each owning service gives each of its event types, from its own ledger description.</summary>
    private static readonly IReadOnlyDictionary<Type, string> OwnedNames = DescribedNames();

    private static readonly ISerializer Ledger = LedgerSerializer();

    /// <summary>For each stored name Audit reads: a real event of the owning service, and what Audit must read from it.</summary>
    private static readonly Dictionary<string, (object Stored, Action<object, object> Check)> Samples = new[]
    {
        Sample<IntakeStored.PartnerRegistered, Read.PartnerRegistered>(
            new("US-FBI", "Federal Bureau of Investigation", "United States", "bus", null, Happened),
            (e, r) => (r.Name, r.Headline, r.OccurredAt).Is((e.Name, e.Name, e.OccurredAt))),
        Sample<IntakeStored.SharingSuspended, Read.SharingSuspended>(
            new("US-FBI", "Home Office", "photographs leaked", Guid.NewGuid(), Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<IntakeStored.SharingRestored, Read.SharingRestored>(
            new("US-FBI", "Home Office", "assurance received", null, Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<IntakeStored.DisclosureRecorded, Read.DisclosureRecorded>(
            new(DisclosureId, "GMP", "Manchester Arena: scene photographs", "secret", ["UK-US-EYES-ONLY"], new string('9', 64),
                [new IntakeStored.Recipient("US-FBI", "fp-fbi"), new IntakeStored.Recipient("US-DHS", "fp-dhs")], "GMP duty officer", Happened, new string('1', 64)),
            (e, r) =>
            {
                (r.Title, r.Headline, r.OccurredAt).Is((e.Title, e.Title, e.OccurredAt));
                Assert.Equal(e.Recipients.Select(x => (x.Partner, x.Fingerprint)), r.Recipients!.Select(x => (x.Partner!, x.Fingerprint!)));
            }),
        Sample<IntakeStored.SharingBlocked, Read.SharingBlocked>(
            new(DisclosureId, "GMP", "Manchester Arena: scene photographs", ["US-FBI", "US-DHS"], ["US-FBI"], "GMP duty officer", Happened, new string('2', 64)),
            (e, r) =>
            {
                (r.Title, r.Headline, r.OccurredAt).Is((e.Title, e.Title, e.OccurredAt));
                Assert.Equal(e.Recipients, r.Recipients);
            }),
        Sample<IntakeStored.BreachReported, Read.BreachReported>(
            new(Guid.NewGuid(), DisclosureId, "fp-dhs", "New York Times", Happened.AddHours(-1), "severe", "scene photographs published", "GMP",
                ["US-FBI", "US-DHS"], "US-DHS", "secret", ["UK-US-EYES-ONLY"], Happened, new string('3', 64)),
            (e, r) =>
            {
                (r.Outlet, r.Headline, r.AttributedPartner, r.OccurredAt).Is((e.Outlet, e.Outlet, e.AttributedPartner, e.OccurredAt));
                Assert.Equal(e.ExposureSet, r.ExposureSet);
            }),
        Sample<IntakeStored.IntelligenceReceived, Read.IntelligenceReceived>(
            new(Guid.NewGuid(), "MI5", "a pressing concern about a known subject", Happened, new string('4', 64)),
            (e, r) => (r.Summary, r.Source, r.Headline, r.OccurredAt).Is((e.Summary, e.Source, e.Summary, e.OccurredAt))),
        Sample<NotificationStored.NoticeCreated, Read.NoticeCreated>(
            new(NoticeId, "US-DHS", "handling", DisclosureId, null, "secret", ["UK-US-EYES-ONLY"], "Manchester Arena: scene photographs", "fp-dhs",
                null, null, null, null, null, Happened.AddDays(1), Happened),
            (e, r) => (r.Partner, r.DisclosureId, r.OccurredAt).Is((e.Partner, e.DisclosureId, e.OccurredAt))),
        Sample<NotificationStored.NoticeDeliveryFailed, Read.NoticeDeliveryFailed>(
            new(NoticeId, "US-DHS", 1, "connection refused", Happened.AddMinutes(1), Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<NotificationStored.PartnerNotified, Read.PartnerNotified>(
            new(NoticeId, "US-DHS", "handling", DisclosureId, null, "bus", "fp-dhs", 1, Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<NotificationStored.NoticeAcknowledged, Read.NoticeAcknowledged>(
            new(NoticeId, "US-DHS", "DHS duty officer", Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<NotificationStored.DiplomaticResponseRecorded, Read.DiplomaticResponseRecorded>(
            new(Guid.NewGuid(), "US-DHS", null, null, "assurance", "We'll do whatever we can to honour that", "DHS", null, null, Happened, new string('5', 64)),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<EscalationStored.CaseOpened, Read.CaseOpened>(
            new(Guid.NewGuid(), "breach", Guid.NewGuid(), null, ["US-FBI", "US-DHS"], 1, "ministerial", Happened.AddDays(1), "severe",
                "scene photographs published by the New York Times", false, null, Happened),
            (e, r) =>
            {
                (r.Summary, r.Headline, r.OccurredAt).Is((e.Summary, e.Summary, e.OccurredAt));
                Assert.Equal(e.Partners, r.Partners);
            }),
        Sample<EscalationStored.ResponseReceived, Read.CaseResponseReceived>(
            new(Guid.NewGuid(), Guid.NewGuid(), "US-DHS", "assurance", "We'll do whatever we can to honour that", "DHS", true, 1, null, null, Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<EscalationStored.SharingSuspensionRequested, Read.SharingSuspensionRequested>(
            new(Guid.NewGuid(), "US-FBI", "Home Office", "photographs leaked", Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
        Sample<EscalationStored.SharingRestorationRequested, Read.SharingRestorationRequested>(
            new(Guid.NewGuid(), "US-FBI", "Home Office", "assurance received", Happened),
            (e, r) => (r.Partner, r.OccurredAt).Is((e.Partner, e.OccurredAt))),
    }.ToDictionary(s => s.Name, s => (s.Stored, s.Check), StringComparer.Ordinal);

    public static TheoryData<string> ReadStoredNames => new(StoredEventReaders.ByName.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ReadStoredNames))]
    public void Every_stored_event_Audit_reads_comes_through_its_reader_with_the_fields_Audit_relies_on(string storedName)
    {
        Assert.True(Samples.TryGetValue(storedName, out var sample), $"Audit reads {storedName} but this test has no real event of it: add one to Samples.");
        var read = StoredEventReaders.Read(storedName, Ledger.ToJson(sample.Stored));

        Assert.NotNull(read);
        Assert.IsType(StoredEventReaders.ByName[storedName], read);
        sample.Check(sample.Stored, read);
    }

    [Fact]
    public void Each_reader_is_registered_under_the_stored_name_it_declares()
    {
        foreach (var (name, reader) in StoredEventReaders.ByName)
        {
            Assert.Equal(name, reader.GetField("StoredName")?.GetRawConstantValue());
        }
    }

    [Fact]
    public void A_recipient_stored_as_a_bare_partner_code_reads_as_that_partner()
    {
        var read = Assert.IsType<Read.DisclosureRecorded>(StoredEventReaders.Read(Read.DisclosureRecorded.StoredName,
            """{"Title": "Manchester Arena: the attacker's identity", "Recipients": ["US-FBI", {"Partner": "US-DHS", "Fingerprint": "fp"}, 7, null]}"""));

        Assert.Equal(["US-FBI", "US-DHS", null, null], read.Recipients!.Select(r => r.Partner));
    }

    [Fact]
    public void A_body_of_another_shape_reads_as_nothing_rather_than_failing_the_query() =>
        Assert.Null(StoredEventReaders.Read(Read.NoticeCreated.StoredName, """{"Partner": "US-DHS", "DisclosureId": "not a uuid"}"""));

    [Fact]
    public void Every_stored_event_of_every_service_carries_the_world_time_Audit_filters_on()
    {
        foreach (var type in OwnedNames.Keys)
        {
            Assert.True(type.GetProperty(StoredField.OccurredAt)?.PropertyType == typeof(DateTimeOffset),
                $"{type.FullName} ({OwnedNames[type]}) has no {StoredField.OccurredAt}: Audit's from/to/until would fall back to recorded time for it.");
        }
    }

    private static (string Name, object Stored, Action<object, object> Check) Sample<TStored, TRead>(TStored stored, Action<TStored, TRead> check)
        where TStored : notnull
    {
        Assert.True(OwnedNames.TryGetValue(typeof(TStored), out var name), $"{typeof(TStored).FullName} is not a stored event of its service.");
        return (name, stored, (e, r) => check((TStored)e, Assert.IsType<TRead>(r)));
    }

    private static Dictionary<Type, string> DescribedNames() =>
        new[] { IntakeStored.IntakeLedger.Table, NotificationStored.NotificationLedger.Table, EscalationStored.EscalationLedger.Table }
            .SelectMany(t => t.Rows).ToDictionary(r => r.StoredType, r => r.StoredName);

    /// <summary>The serializer Marten writes ledger bodies with, configured as every service configures the ledger.</summary>
    private static ISerializer LedgerSerializer()
    {
        var options = new StoreOptions();
        LedgerSetup.ConfigureShared(options, "audit-reader-tests", migrate: false);
        return options.Serializer();
    }
}

/// <summary>Compares what a reader read with what the owning service stored, field by field in one tuple.</summary>
internal static class ReadAssertions
{
    public static void Is<T>(this T read, T stored) => Assert.Equal(stored, read);
}
