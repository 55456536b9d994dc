using System.Text;
using AuditPlatform.Audit.Witnesses;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace AuditPlatform.Witness;

/// <summary>
/// The witness for a bus partner (<see cref="WitnessBus"/>): it reads <c>add-checkpoint</c> requests from its partner's
/// queue with the partner's broker account, answers each with <see cref="WitnessLog.AddAsync"/> on the answer exchange
/// (publisher-confirmed, stamped with its broker user), and only then acknowledges the request. Until the Audit service
/// has declared the queue, or while the broker is away, it tries again every <see cref="WitnessBusOptions.RetryDelay"/>.
/// </summary>
public sealed partial class BusWitness(WitnessOptions options, WitnessLog log, TimeProvider clock, ILogger<BusWitness> logger) : BackgroundService
{
    /// <summary>Whether it is consuming its queue now (shown by <c>GET /</c>).</summary>
    public bool Listening { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bus = options.Bus;
        var factory = new ConnectionFactory { Uri = new Uri(bus.Connection!), ClientProvidedName = "witness " + options.Name, AutomaticRecoveryEnabled = false };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await factory.CreateConnectionAsync(stoppingToken);
                await using var channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stoppingToken);
                var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                channel.ChannelShutdownAsync += (_, _) =>
                {
                    closed.TrySetResult();
                    return Task.CompletedTask;
                };
                await channel.BasicQosAsync(0, 16, global: false, stoppingToken);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += (_, delivery) => AnswerAsync(channel, factory.UserName, delivery, stoppingToken);
                await channel.BasicConsumeAsync(bus.Queue!, autoAck: false, consumer, stoppingToken);
                Listening = true;
                Consuming(logger, bus.Queue!);
                await closed.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RabbitMQClientException or OperationInterruptedException or IOException)
            {
                Waiting(logger, bus.Queue!, e.Message, bus.RetryDelay);
            }
            finally
            {
                Listening = false;
            }

            try
            {
                await Task.Delay(bus.RetryDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task AnswerAsync(IChannel channel, string user, BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var request = delivery.BasicProperties;
        var answer = request.CorrelationId is null ? null : await AddAsync(delivery.Body, cancellationToken);
        if (answer is not null)
        {
            var properties = new BasicProperties
            {
                ContentType = answer.ContentType,
                CorrelationId = request.CorrelationId,
                Type = WitnessBus.AnswerType,
                UserId = user,
                Headers = new Dictionary<string, object?> { [WitnessBus.StatusHeader] = answer.Status, [WitnessBus.WitnessHeader] = options.Name },
            };
            await channel.BasicPublishAsync(WitnessBus.AnswerExchange, string.Empty, mandatory: false, properties, Encoding.UTF8.GetBytes(answer.Body), cancellationToken);
        }

        // Acknowledged once answered (or when it cannot be answered: no correlation id to answer to). A witness that
        // stops between the two answers the redelivered request again: its state already holds the checkpoint.
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken);
    }

    /// <summary>The answer HTTP would give: 413 for an oversized request, 500 when the state cannot be written (the log asks again next round).</summary>
    private async Task<WitnessAnswer> AddAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (body.Length > WitnessApp.MaxBody)
        {
            return WitnessAnswer.Refused(StatusCodes.Status413PayloadTooLarge, $"the request is larger than {WitnessApp.MaxBody} bytes");
        }

        try
        {
            return await log.AddAsync(Encoding.UTF8.GetString(body.Span), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            StateFailed(logger, e);
            return WitnessAnswer.Refused(StatusCodes.Status500InternalServerError, "the witness cannot write its state");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The witness could not keep its state; the request is answered 500")]
    private static partial void StateFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Witnessing over the bus: consuming {Queue}")]
    private static partial void Consuming(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot consume {Queue} ({Why}); trying again in {Delay}. The Audit service declares the queue when it first sends a checkpoint")]
    private static partial void Waiting(ILogger logger, string queue, string why, TimeSpan delay);
}
