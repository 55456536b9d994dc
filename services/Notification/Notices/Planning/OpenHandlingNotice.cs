using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Partners;
using AuditPlatform.ServiceDefaults.Commands;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>
/// A recorded disclosure calls for a handling notice to one of its recipients; the disclosure's ledger sequence tells
/// it from suspensions before or after it.
/// </summary>
public sealed record OpenHandlingNotice(Contract.DisclosureRecorded Disclosure, Contract.RecipientFingerprint Recipient, long? DisclosureSequence)
{
    public Guid NoticeId => NoticeIds.For(Contract.NoticeKinds.Handling, Disclosure.DisclosureId, Recipient.Partner);
}

/// <summary>
/// A handling notice for a recipient of a disclosure, with the caveats, the classification and that recipient's own
/// fingerprint. The notice id is derived from the disclosure and the partner, so a redelivered event opens nothing.
/// </summary>
public sealed class OpenHandlingNoticeSlice : CommandSlice<OpenHandlingNotice, Notice, NoticeEvent, PartnerChannel?>
{
    public override string StreamFor(OpenHandlingNotice command) => Notice.StreamFor(command.NoticeId);

    /// <summary>The recipient's channel: whether its sharing is suspended, and since when.</summary>
    public override async Task<PartnerChannel?> FactsAsync(OpenHandlingNotice command, IQuerySession session, CancellationToken cancellationToken) =>
        await session.LoadAsync<PartnerChannel>(command.Recipient.Partner, cancellationToken);

    public override Decision<NoticeEvent> Decide(OpenHandlingNotice command, Notice? state, PartnerChannel? facts, CommandContext context)
    {
        if (state is not null)
        {
            return Decision<NoticeEvent>.AlreadyDone;
        }

        if (Withheld(facts, command.DisclosureSequence))
        {
            return Decision<NoticeEvent>.Refuse(new Refusal(RefusalKind.Conflict, "sharing-suspended", "Sharing is suspended.",
                $"Sharing with {command.Recipient.Partner} was suspended before the disclosure was recorded; no handling notice is sent."));
        }

        var disclosure = command.Disclosure;
        return Decision<NoticeEvent>.Accept(new NoticeCreated(
            command.NoticeId, command.Recipient.Partner, Contract.NoticeKinds.Handling, disclosure.DisclosureId, null, disclosure.Classification, disclosure.Caveats,
            disclosure.Title, command.Recipient.Fingerprint, null, null, null, null, null, null, context.Now));
    }

    /// <summary>
    /// A handling notice is never sent to a partner whose sharing was suspended before the disclosure reached the
    /// ledger (Intake refuses such disclosures; this holds even if one slipped through). A disclosure recorded
    /// before the suspension was really shared, so its recipient still gets the caveats it must honour.
    /// </summary>
    public static bool Withheld(PartnerChannel? partner, long? disclosureSequence) =>
        partner is { Suspended: true }
        && (disclosureSequence is null || partner.SuspendedSinceSequence is null || disclosureSequence > partner.SuspendedSinceSequence);

    public override Notice? Evolve(Notice? state, NoticeEvent change) => NoticeHistory.Evolve(state, change);
}

/// <summary>A new disclosure: a handling notice for each recipient, all in one transaction with the inbox mark.</summary>
public sealed class DisclosureRecordedConsumer(CommandHandler handler, OpenHandlingNoticeSlice slice, PlannedNotices planned) : IConsumer<Contract.DisclosureRecorded>
{
    public Task Consume(ConsumeContext<Contract.DisclosureRecorded> context)
    {
        var sequence = LedgerSequence.Of(context);
        return planned.OpenAsync(handler, slice, nameof(DisclosureRecordedConsumer), context, Contract.NoticeKinds.Handling, context.Message.Recipients.Select(r => new OpenHandlingNotice(context.Message, r, sequence)));
    }
}
