using System.Globalization;
using System.Text.Json;
using AuditPlatform.Contracts;
using AuditPlatform.Notification.Notices.Delivery;
using AuditPlatform.ServiceDefaults.Messaging;
using Marten;
using MassTransit;

namespace AuditPlatform.Notification.Partners;

/// <summary>
/// What Notification keeps of a partner: its channel and whether sharing is suspended. Fed by Intake's events;
/// the id is the partner code. The webhook secret is not here: no event carries it (see <c>WebhookSecrets</c>).
/// </summary>
public sealed record PartnerChannel
{
    public required string Id { get; init; }

    /// <summary>One of <see cref="ChannelKinds"/>; null while only a suspension has been heard of.</summary>
    public string? Kind { get; init; }

    public Uri? WebhookUrl { get; init; }

    public bool Suspended { get; init; }

    /// <summary>Ledger sequence of the suspension in force, to tell disclosures made before it from any after.</summary>
    public long? SuspendedSinceSequence { get; init; }

    /// <summary>Ledger sequence of the registration applied, so an older one redelivered late cannot win.</summary>
    public long? RegisteredSequence { get; init; }

    /// <summary>Ledger sequence of the last suspension or restoration applied.</summary>
    public long? SharingSequence { get; init; }
}

/// <summary>Pure changes to a partner's channel; each ignores a message older than what it already applied.</summary>
public static class PartnerChannels
{
    public static PartnerChannel Registered(PartnerChannel? state, PartnerRegistered message, long? sequence) =>
        IsStale(state?.RegisteredSequence, sequence)
            ? state!
            : (state ?? new PartnerChannel { Id = message.Code }) with
            {
                Kind = message.ChannelKind,
                WebhookUrl = message.ChannelKind == ChannelKinds.Webhook ? message.WebhookUrl : null,
                RegisteredSequence = sequence ?? state?.RegisteredSequence,
            };

    public static PartnerChannel Suspended(PartnerChannel? state, string partner, long? sequence) =>
        IsStale(state?.SharingSequence, sequence)
            ? state!
            : (state ?? new PartnerChannel { Id = partner }) with { Suspended = true, SuspendedSinceSequence = sequence, SharingSequence = sequence ?? state?.SharingSequence };

    public static PartnerChannel Restored(PartnerChannel? state, string partner, long? sequence) =>
        IsStale(state?.SharingSequence, sequence)
            ? state!
            : (state ?? new PartnerChannel { Id = partner }) with { Suspended = false, SuspendedSinceSequence = null, SharingSequence = sequence ?? state?.SharingSequence };

    private static bool IsStale(long? applied, long? incoming) => applied is not null && incoming is not null && incoming <= applied;
}

/// <summary>The ledger sequence the forwarder stamps on every event it publishes.</summary>
public static class LedgerSequence
{
    public static long? Of(ConsumeContext context) =>
        context.Headers.TryGetHeader(BusHeaders.LedgerSequence, out var value) ? value switch
        {
            long l => l,
            int i => i,
            string s when long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var number) => number,
            JsonElement { ValueKind: JsonValueKind.String } t when long.TryParse(t.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var text) => text,
            _ => null,
        }
        : null;
}

/// <summary>
/// Applies one Intake event to the partner's channel document, once per message; the document is locked before it is
/// read, because each message type is consumed from its own queue, at the same time.
/// </summary>
public abstract class PartnerChannelConsumer<T>(IDocumentSession session, TimeProvider clock) : IConsumer<T>
    where T : class
{
    public async Task Consume(ConsumeContext<T> context)
    {
        var ct = context.CancellationToken;
        if (!await session.FirstDeliveryAsync(GetType().Name, context.MessageId, clock, ct))
        {
            return;
        }

        var code = PartnerOf(context.Message);
        await session.LockAsync<PartnerChannel>(code, ct);
        var current = await session.LoadAsync<PartnerChannel>(code, ct);
        var next = Apply(current, context.Message, LedgerSequence.Of(context));
        await BeforeSaveAsync(next, ct);
        session.Store(next);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>Work outside the ledger that must be done before the message counts as handled.</summary>
    protected virtual Task BeforeSaveAsync(PartnerChannel channel, CancellationToken cancellationToken) => Task.CompletedTask;

    protected abstract string PartnerOf(T message);

    protected abstract PartnerChannel Apply(PartnerChannel? current, T message, long? sequence);
}

public sealed class PartnerRegisteredConsumer(IDocumentSession session, TimeProvider clock, PartnerQueues queues) : PartnerChannelConsumer<PartnerRegistered>(session, clock)
{
    protected override Task BeforeSaveAsync(PartnerChannel channel, CancellationToken cancellationToken) =>
        channel.Kind == ChannelKinds.Bus ? queues.DeclareAsync(channel.Id, cancellationToken) : Task.CompletedTask;

    protected override string PartnerOf(PartnerRegistered message) => message.Code;

    protected override PartnerChannel Apply(PartnerChannel? current, PartnerRegistered message, long? sequence) => PartnerChannels.Registered(current, message, sequence);
}

public sealed class SharingSuspendedConsumer(IDocumentSession session, TimeProvider clock) : PartnerChannelConsumer<SharingSuspended>(session, clock)
{
    protected override string PartnerOf(SharingSuspended message) => message.Partner;

    protected override PartnerChannel Apply(PartnerChannel? current, SharingSuspended message, long? sequence) => PartnerChannels.Suspended(current, message.Partner, sequence);
}

public sealed class SharingRestoredConsumer(IDocumentSession session, TimeProvider clock) : PartnerChannelConsumer<SharingRestored>(session, clock)
{
    protected override string PartnerOf(SharingRestored message) => message.Partner;

    protected override PartnerChannel Apply(PartnerChannel? current, SharingRestored message, long? sequence) => PartnerChannels.Restored(current, message.Partner, sequence);
}
