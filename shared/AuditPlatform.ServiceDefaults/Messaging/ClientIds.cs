using System.Security.Cryptography;
using System.Text;
using MassTransit;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>Name-based identifiers: the same name always gives the same UUID (version 8, RFC 9562 variant).</summary>
public static class NameBasedIds
{
    /// <summary>The first 16 bytes of the SHA-256 of <paramref name="name"/>, marked as a version 8 UUID.</summary>
    public static Guid From(ReadOnlySpan<byte> name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(name, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    public static Guid From(string name) => From(Encoding.UTF8.GetBytes(name));
}

/// <summary>The client id of a command that came over the bus, for idempotency.</summary>
public static class ClientIds
{
    /// <summary>
    /// The message id when the sender gave one. MassTransit reads only a UUID as the message id; an integrator in
    /// another language may send any string as the AMQP <c>message_id</c>, which then becomes a name-based UUID, so a
    /// redelivery or a resend of the same message is still recognised. A fresh id only when there is no id at all.
    /// </summary>
    public static Guid Of(ConsumeContext context) =>
        context.MessageId
        ?? (context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp) && !string.IsNullOrWhiteSpace(amqp.Properties?.MessageId)
            ? NameBasedIds.From("auditplatform/message-id/" + amqp.Properties.MessageId)
            : Guid.CreateVersion7());
}
