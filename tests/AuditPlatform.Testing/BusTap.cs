using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AuditPlatform.Testing;

/// <summary>A message as it crossed an exchange: the exchange, its raw body and every header value, as text.</summary>
public sealed record TappedMessage(string Exchange, string Body, string Headers)
{
    public bool Contains(string needle) =>
        Body.Contains(needle, StringComparison.Ordinal) || Headers.Contains(needle, StringComparison.Ordinal);
}

/// <summary>
/// One queue bound to every exchange of a vhost, so a test sees every message published there (the firehose
/// without the tracing plugin). The default exchange only routes to a queue by its name and cannot be bound:
/// a message sent through it reaches a queue the test reads itself.
/// </summary>
public sealed class BusTap : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;

    private BusTap(IConnection connection, IChannel channel, IReadOnlySet<string> exchanges)
    {
        this.connection = connection;
        this.channel = channel;
        Exchanges = exchanges;
    }

    /// <summary>The exchanges tapped (every one that existed when the tap started).</summary>
    public IReadOnlySet<string> Exchanges { get; }

    public ConcurrentQueue<TappedMessage> Seen { get; } = new();

    public static async Task<BusTap> StartAsync(Uri amqp, HttpClient management, string vhost)
    {
        var connection = await new ConnectionFactory { Uri = amqp }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        var exchanges = await ListExchangesAsync(management, vhost);
        foreach (var (name, type) in exchanges)
        {
            switch (type)
            {
                case ExchangeType.Fanout or ExchangeType.Headers:
                    // A headers binding without arguments matches every message.
                    await channel.QueueBindAsync(queue, name, string.Empty);
                    break;
                case ExchangeType.Topic:
                    await channel.QueueBindAsync(queue, name, "#");
                    break;
                default:
                    // Only the broker's own amq.direct is a direct exchange here; nothing on the platform publishes to it.
                    if (name != "amq.direct")
                    {
                        throw new InvalidOperationException($"Exchange {name} is {type}: the tap cannot see all of its messages.");
                    }

                    break;
            }
        }

        var tap = new BusTap(connection, channel, exchanges.Keys.ToHashSet(StringComparer.Ordinal));
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var headers = string.Join('\n', (delivery.BasicProperties.Headers ?? new Dictionary<string, object?>())
                .Select(h => h.Key + ": " + (h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString())));
            tap.Seen.Enqueue(new TappedMessage(delivery.Exchange, Encoding.UTF8.GetString(delivery.Body.Span), headers));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return tap;
    }

    /// <summary>The vhost's exchanges and their types, except the unbindable default exchange.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ListExchangesAsync(HttpClient management, string vhost)
    {
        var list = await management.GetFromJsonAsync<JsonElement>($"exchanges/{Uri.EscapeDataString(vhost)}");
        return list.EnumerateArray()
            .Select(e => (Name: e.GetProperty("name").GetString()!, Type: e.GetProperty("type").GetString()!))
            .Where(e => e.Name.Length > 0)
            .ToDictionary(e => e.Name, e => e.Type, StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
