using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AuditPlatform.FaultBattery;

/// <summary>A publisher the way an integrator would write one: plain JSON, confirms, and a retry with the same message id.</summary>
public sealed class BusLink(BatteryOptions options) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IConnection? connection;
    private IChannel? channel;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset Began, TimeSpan Took)> confirmed = new();

    /// <summary>The longest a message begun since <paramref name="since"/> waited for the broker's confirm (retries included).</summary>
    public TimeSpan LongestHeldSince(DateTimeOffset since) =>
        confirmed.Where(c => c.Began >= since).Select(c => c.Took).DefaultIfEmpty(TimeSpan.Zero).Max();

    public static string ExchangeFor(string contract) => $"AuditPlatform.Contracts:{contract}";

    public IList<AmqpTcpEndpoint> Endpoints => [.. options.BusNodes.Select(n => AmqpTcpEndpoint.Parse(n))];

    /// <summary>A connection to the first node that answers, for the caller to dispose.</summary>
    public async Task<IConnection> ConnectAsync()
    {
        var factory = new ConnectionFactory
        {
            Uri = options.Bus,
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            ClientProvidedName = "fault-battery",
        };
        return await factory.CreateConnectionAsync(Endpoints);
    }

    /// <summary>Null once the broker confirmed the message; otherwise why it never did before the window closed.</summary>
    public async Task<string?> PublishAsync(string contract, string json, Guid messageId, string? token, DateTimeOffset retryUntil, IDictionary<string, object?>? headers = null)
    {
        var last = "not sent";
        var began = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow < retryUntil)
        {
            await gate.WaitAsync();
            try
            {
                if (channel is not { IsOpen: true })
                {
                    await ResetAsync();
                    connection = await ConnectAsync();
                    channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
                }

                var all = new Dictionary<string, object?>(headers ?? new Dictionary<string, object?>());
                if (token is not null)
                {
                    all["Authorization"] = "Bearer " + token;
                }

                var properties = new BasicProperties
                {
                    ContentType = "application/json",
                    Persistent = true,
                    MessageId = messageId.ToString(),
                    Headers = all,
                };
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await channel.BasicPublishAsync(ExchangeFor(contract), string.Empty, mandatory: false, properties, Encoding.UTF8.GetBytes(json), timeout.Token);
                confirmed.Enqueue((began, DateTimeOffset.UtcNow - began));
                return null;
            }
            catch (Exception e) when (e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException
                or PublishException or OperationCanceledException or IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                last = e.GetType().Name + ": " + e.Message;
                await ResetAsync();
            }
            finally
            {
                gate.Release();
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }

        return "gave up: " + last;
    }

    private async Task ResetAsync()
    {
        try
        {
            if (channel is not null)
            {
                await channel.DisposeAsync();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException or ObjectDisposedException)
        {
            // The connection is already gone; nothing to close.
        }

        channel = null;
        connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await ResetAsync();
        gate.Dispose();
    }
}
