using System.Text.Json;
using System.Text.Json.Serialization;
using AuditPlatform.Contracts;
using AuditPlatform.Notification.Notices.Delivery;
using MassTransit;

namespace AuditPlatform.Notification.Notices.Refusals;

/// <summary>
/// Tells an integrator that a command it sent over the bus was refused: the <see cref="CommandRefused"/> a service
/// published goes, as plain JSON, to the sender's <c>partner.&lt;code&gt;</c> queue. Notification is the one service
/// that writes to the partners' queues (through the default exchange), so the others publish the refusal to it.
/// Not recorded in the ledger: a refused command is recorded nowhere.
/// </summary>
public sealed class CommandRefusedConsumer(PartnerQueues queues) : IConsumer<CommandRefused>
{
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public Task Consume(ConsumeContext<CommandRefused> context) =>
        queues.SendAsync(context.Message.Partner, context.Message.NoticeId, JsonSerializer.SerializeToUtf8Bytes(context.Message, Wire), context.CancellationToken, CommandRefused.NoticeKind);
}
