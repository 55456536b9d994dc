using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AuditPlatform.Testing;

/// <summary>A message seen on the bus: its body, the MassTransit message id and the headers.</summary>
public sealed record ProbedMessage(JsonElement Message, Guid? MessageId, IReadOnlyDictionary<string, string> Headers, string ContentType);

/// <summary>
/// Talks to the fixture's vhost with plain RabbitMQ.Client, the way an integrator in any language would:
/// listens on a message type's exchange, publishes raw JSON, reads error queues.
/// </summary>
public sealed class BusProbe : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;

    private BusProbe(IConnection connection, IChannel channel)
    {
        this.connection = connection;
        this.channel = channel;
    }

    public static async Task<BusProbe> ConnectAsync(Uri amqp)
    {
        var factory = new ConnectionFactory { Uri = amqp };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        return new BusProbe(connection, channel);
    }

    /// <summary>MassTransit's exchange for a contract type.</summary>
    public static string ExchangeFor(string contractType) => $"AuditPlatform.Contracts:{contractType}";

    /// <summary>Collects every message published to a contract type's exchange from now on.</summary>
    public async Task<ConcurrentQueue<ProbedMessage>> ListenAsync(string contractType)
    {
        var exchange = ExchangeFor(contractType);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var queue = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, exchange, string.Empty);
        return await ConsumeAsync(queue);
    }

    /// <summary>Collects every message arriving on an existing queue (for example <c>partner.US-FBI</c>).</summary>
    public async Task<ConcurrentQueue<ProbedMessage>> ConsumeAsync(string queue)
    {
        var seen = new ConcurrentQueue<ProbedMessage>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            seen.Enqueue(Read(delivery.Body.ToArray(), delivery.BasicProperties));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return seen;
    }

    /// <summary>Publishes a body as plain JSON (no envelope) to a command's exchange, with the sender's token when given.</summary>
    public Task PublishRawAsync(string contractType, string json, Guid? messageId = null, string? token = null, IDictionary<string, object?>? headers = null) =>
        PublishRawAsync(contractType, json, messageId?.ToString(), token, headers);

    /// <summary>The same with any string as the AMQP message id, as an integrator in another language may send.</summary>
    public async Task PublishRawAsync(string contractType, string json, string? messageId, string? token = null, IDictionary<string, object?>? headers = null)
    {
        if (token is not null)
        {
            headers = new Dictionary<string, object?>(headers ?? new Dictionary<string, object?>()) { ["Authorization"] = "Bearer " + token };
        }

        var properties = new BasicProperties
        {
            ContentType = "application/json",
            Persistent = true,
            MessageId = messageId,
            Headers = headers,
        };
        await channel.BasicPublishAsync(ExchangeFor(contractType), string.Empty, mandatory: false, properties, Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Takes one message from a queue (an error queue, say), or null when it is empty or does not exist yet.</summary>
    public async Task<ProbedMessage?> GetAsync(string queue)
    {
        // A missing queue closes the channel it was asked on, so each look uses a channel of its own.
        await using var look = await connection.CreateChannelAsync();
        try
        {
            var result = await look.BasicGetAsync(queue, autoAck: true);
            return result is null ? null : Read(result.Body.ToArray(), result.BasicProperties);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    /// <summary>Whether a queue exists.</summary>
    public async Task<bool> ExistsAsync(string queue)
    {
        await using var look = await connection.CreateChannelAsync();
        try
        {
            await look.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }

    /// <summary>Messages waiting in a queue; zero when it does not exist yet.</summary>
    public async Task<uint> CountAsync(string queue)
    {
        await using var look = await connection.CreateChannelAsync();
        try
        {
            return (await look.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    private static ProbedMessage Read(byte[] body, IReadOnlyBasicProperties properties)
    {
        var headers = (properties.Headers ?? new Dictionary<string, object?>()).ToDictionary(h => h.Key, h => h.Value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => string.Empty,
            var other => other.ToString() ?? string.Empty,
        });
        JsonElement message;
        Guid? messageId = Guid.TryParse(properties.MessageId, out var id) ? id : null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement.Clone();
            var enveloped = properties.ContentType == "application/vnd.masstransit+json" && root.TryGetProperty("message", out _);
            message = enveloped ? root.GetProperty("message") : root;
            if (enveloped && root.TryGetProperty("messageId", out var envelopeId) && Guid.TryParse(envelopeId.GetString(), out var parsed))
            {
                messageId = parsed;
            }

            if (enveloped && root.TryGetProperty("headers", out var envelopeHeaders) && envelopeHeaders.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in envelopeHeaders.EnumerateObject())
                {
                    headers.TryAdd(header.Name, header.Value.ToString());
                }
            }
        }
        catch (JsonException)
        {
            message = JsonSerializer.SerializeToElement(Encoding.UTF8.GetString(body));
        }

        return new ProbedMessage(message, messageId, headers, properties.ContentType ?? string.Empty);
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
