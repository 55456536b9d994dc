using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace AuditPlatform.Audit.Witnesses;

/// <summary>
/// tlog-witness over the bus (<see cref="WitnessBus"/>): a request on the partner's queue, the answer matched back by
/// correlation id from this replica's own exclusive queue on the answer exchange, accepted only from the broker user
/// that runs the witness. Plain RabbitMQ.Client, like the partner queues: a partner's witness in any language reads
/// bare text. The connection, the exchanges, every bus witness's queue and this replica's answer queue are set up on
/// first use and again after the connection is lost; an answer that does not come within
/// <see cref="AuditOptions.WitnessTimeout"/> leaves the checkpoint for the next round.
/// </summary>
public sealed partial class BusWitnessTransport(IConfiguration configuration, AuditOptions options, TimeProvider clock, ILogger<BusWitnessTransport> logger)
    : IWitnessTransport, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Waiting> waiting = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly string answers = $"audit-witness-answers-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}";
    private IConnection? connection;
    private IChannel? channel;

    public async Task<WitnessReply?> SendAsync(WitnessEndpoint witness, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(witness);
        var id = Guid.NewGuid().ToString("N");
        var reply = new Waiting(witness, new TaskCompletionSource<WitnessReply>(TaskCreationOptions.RunContinuationsAsynchronously));
        waiting[id] = reply;
        try
        {
            var properties = new BasicProperties
            {
                ContentType = "text/plain; charset=utf-8",
                CorrelationId = id,
                MessageId = id,
                Type = WitnessBus.RequestType,
                // A request nobody took in time is worthless: the next round sends the latest checkpoint again.
                Expiration = ((long)options.WitnessTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                Headers = new Dictionary<string, object?> { [WitnessBus.WitnessHeader] = witness.Name },
            };
            await PublishAsync(witness.Partner!, properties, Encoding.UTF8.GetBytes(body), cancellationToken);
            return await reply.Answer.Task.WaitAsync(options.WitnessTimeout, clock, cancellationToken);
        }
        catch (TimeoutException)
        {
            Unanswered(logger, witness.Name, WitnessBus.QueueFor(witness.Partner!), options.WitnessTimeout);
            return null;
        }
        catch (Exception e) when (e is RabbitMQClientException or OperationInterruptedException or PublishException or IOException)
        {
            Unreachable(logger, witness.Name, e.Message);
            return null;
        }
        finally
        {
            waiting.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Connects and declares the exchanges, every bus witness's queue and this replica's answer queue, so a partner's
    /// witness can consume its queue from the moment the service runs, before the first checkpoint is sent.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await ChannelAsync(cancellationToken);
        }
        catch (Exception e) when (e is RabbitMQClientException or OperationInterruptedException or IOException)
        {
            Unreachable(logger, "(all bus witnesses)", e.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task PublishAsync(string partner, BasicProperties properties, byte[] body, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var open = await ChannelAsync(cancellationToken);
            // Mandatory: with no queue bound for the partner the broker returns it, and the publish fails at once.
            await open.BasicPublishAsync(WitnessBus.RequestExchange, partner, mandatory: true, properties, body, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (channel is { IsOpen: true } && connection is { IsOpen: true })
        {
            return channel;
        }

        await CloseAsync();
        var address = configuration.GetConnectionString("Bus") ?? throw new InvalidOperationException("ConnectionStrings:Bus is not configured.");
        var factory = new ConnectionFactory { Uri = new Uri(address), ClientProvidedName = "audit-witnesses", AutomaticRecoveryEnabled = false };
        connection = await factory.CreateConnectionAsync(cancellationToken);
        channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        await channel.ExchangeDeclareAsync(WitnessBus.RequestExchange, ExchangeType.Direct, durable: true, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(WitnessBus.AnswerExchange, ExchangeType.Fanout, durable: true, cancellationToken: cancellationToken);
        foreach (var partner in options.Witnesses.Where(w => w.OverBus).Select(w => w.Partner!).Distinct(StringComparer.Ordinal))
        {
            var queue = WitnessBus.QueueFor(partner);
            await PartnerQueueTopology.DeclareAsync(channel, queue, configuration, cancellationToken);
            await channel.QueueBindAsync(queue, WitnessBus.RequestExchange, partner, cancellationToken: cancellationToken);
        }

        await channel.QueueDeclareAsync(answers, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(answers, WitnessBus.AnswerExchange, string.Empty, cancellationToken: cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Take(delivery);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(answers, autoAck: true, consumer, cancellationToken);
        return channel;
    }

    /// <summary>Completes the request the answer belongs to, when it comes from the broker user that runs that witness.</summary>
    private void Take(BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        if (properties.CorrelationId is not { } id || !waiting.TryGetValue(id, out var request))
        {
            return;
        }

        if (!string.Equals(properties.UserId, request.Witness.ExpectedBusUser, StringComparison.Ordinal))
        {
            ForeignAnswer(logger, request.Witness.Name, properties.UserId ?? "(none)", request.Witness.ExpectedBusUser);
            return;
        }

        if (StatusOf(properties.Headers) is not { } status)
        {
            Unreadable(logger, request.Witness.Name);
            return;
        }

        var mediaType = properties.ContentType?.Split(';')[0].Trim();
        request.Answer.TrySetResult(new WitnessReply(status, mediaType, Encoding.UTF8.GetString(delivery.Body.Span)));
    }

    /// <summary>The status header as a number, whichever AMQP type the witness's client gave it (integer, or a string of digits).</summary>
    private static int? StatusOf(IDictionary<string, object?>? headers) => headers?.TryGetValue(WitnessBus.StatusHeader, out var value) == true
        ? value switch
        {
            int i => i,
            long l when l is >= 100 and <= 599 => (int)l,
            short s => s,
            byte[] text when int.TryParse(Encoding.UTF8.GetString(text), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        }
        : null;

    private async Task CloseAsync()
    {
        if (channel is not null)
        {
            await channel.DisposeAsync();
            channel = null;
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
            connection = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An answer of witness {Witness} was ignored: its status header is missing or not a number")]
    private static partial void Unreadable(ILogger logger, string witness);

    private sealed record Waiting(WitnessEndpoint Witness, TaskCompletionSource<WitnessReply> Answer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Witness {Witness} did not answer on {Queue} within {Timeout}; the checkpoint is sent again next round")]
    private static partial void Unanswered(ILogger logger, string witness, string queue, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Witness {Witness} could not be reached over the bus ({Why}); the checkpoint is sent again next round")]
    private static partial void Unreachable(ILogger logger, string witness, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An answer for witness {Witness} was ignored: it came from {From}, the witness runs as {Expected}")]
    private static partial void ForeignAnswer(ILogger logger, string witness, string from, string expected);
}

/// <summary>Sends each witness's requests the way it is configured: over HTTP, or over the bus.</summary>
public sealed class WitnessTransports(HttpWitnessTransport http, BusWitnessTransport bus, AuditOptions options) : IWitnessTransport
{
    public Task PrepareAsync(CancellationToken cancellationToken) => options.Witnesses.Any(w => w.OverBus) ? bus.PrepareAsync(cancellationToken) : Task.CompletedTask;

    public Task<WitnessReply?> SendAsync(WitnessEndpoint witness, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(witness);
        return witness.OverBus ? bus.SendAsync(witness, body, cancellationToken) : http.SendAsync(witness, body, cancellationToken);
    }
}
