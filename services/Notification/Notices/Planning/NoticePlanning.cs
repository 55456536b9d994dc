using System.Text;
using AuditPlatform.Contracts;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Partners;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Policy;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>
/// Notice ids are derived from what caused them (kind, source id, partner), as a name-based UUID
/// (RFC 9562 §5.8, SHA-256 over a namespace and the name), so a redelivered or replayed event names the
/// same notice and can never open a second one.
/// </summary>
public static class NoticeIds
{
    private static readonly Guid Namespace = new("6f1c3c1e-3f7a-4d51-9a53-6b0e5b1c2d40");

    public static Guid For(string kind, Guid source, string partner)
    {
        var name = Encoding.UTF8.GetBytes($"{kind}:{source:D}:{partner}");
        var input = new byte[16 + name.Length];
        Namespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input, 16);
        return NameBasedIds.From(input);
    }
}

/// <summary>Which notices an event calls for: pure functions, no I/O.</summary>
public static class NoticePlanning
{
    /// <summary>One handling notice per recipient, with the caveats, the classification and that recipient's fingerprint.</summary>
    public static IReadOnlyList<NoticeCreated> ForDisclosure(
        Contract.DisclosureRecorded disclosure, IReadOnlyDictionary<string, PartnerChannel> partners, long? sequence, DateTimeOffset now) =>
        [.. disclosure.Recipients
            .Where(r => !Withheld(partners.GetValueOrDefault(r.Partner), sequence))
            .Select(r => new NoticeCreated(
                NoticeIds.For(NoticeKinds.Handling, disclosure.DisclosureId, r.Partner), r.Partner, NoticeKinds.Handling, disclosure.DisclosureId, null,
                disclosure.Classification, disclosure.Caveats, disclosure.Title, r.Fingerprint, null, null, null, null, null, null, now))];

    /// <summary>
    /// A handling notice is never sent to a partner whose sharing was suspended before the disclosure reached the
    /// ledger (Intake refuses such disclosures; this holds even if one slipped through). A disclosure recorded
    /// before the suspension was really shared, so its recipient still gets the caveats it must honour.
    /// </summary>
    public static bool Withheld(PartnerChannel? partner, long? disclosureSequence) =>
        partner is { Suspended: true }
        && (disclosureSequence is null || partner.SuspendedSinceSequence is null || disclosureSequence > partner.SuspendedSinceSequence);

    /// <summary>
    /// One breach notice to the attributed partner when a fingerprint names one, otherwise to every partner of the
    /// exposure set; suspended partners included, since they must answer. The notice states the response deadline
    /// of the level the policy opens a case of this severity at.
    /// </summary>
    public static IReadOnlyList<NoticeCreated> ForBreach(Contract.BreachReported breach, EscalationPolicy policy, DateTimeOffset now)
    {
        var partners = breach.AttributedPartner is { } attributed ? [attributed] : breach.ExposureSet.Distinct(StringComparer.Ordinal);
        var respondBy = RespondBy(breach, policy, now);
        return [.. partners.Select(p => new NoticeCreated(
            NoticeIds.For(NoticeKinds.Breach, breach.BreachId, p), p, NoticeKinds.Breach, breach.DisclosureId, breach.BreachId,
            breach.Classification, breach.Caveats, null, null, breach.Severity, breach.Outlet, breach.Description, breach.ObservedAt,
            breach.AttributedPartner is not null, respondBy, now))];
    }

    /// <summary>
    /// The case opens when the breach is reported, so the clock runs from the report (its occurredAt), or from
    /// now when the report is back-dated: a deadline already in the past could not be met.
    /// </summary>
    public static DateTimeOffset RespondBy(Contract.BreachReported breach, EscalationPolicy policy, DateTimeOffset now)
    {
        var level = policy.LevelFor(policy.StartLevelFor(breach.Severity));
        var from = breach.OccurredAt > now ? breach.OccurredAt : now;
        return from + level.RespondWithin;
    }
}
