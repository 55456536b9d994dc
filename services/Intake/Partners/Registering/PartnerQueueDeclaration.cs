using AuditPlatform.ServiceDefaults.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AuditPlatform.Intake.Partners.Registering;

/// <summary>The broker did not declare a partner's queue; the registration is not recorded and may be repeated.</summary>
public sealed class PartnerQueueUnavailableException : Exception
{
    public PartnerQueueUnavailableException()
    {
    }

    public PartnerQueueUnavailableException(string message)
        : base(message)
    {
    }

    public PartnerQueueUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Declares a bus partner's queue while its registration is handled, over a connection of its own (plain
/// RabbitMQ.Client: the queue is not part of MassTransit's topology). Intake's broker user may configure
/// <c>partner\..*</c> for this alone; it can neither read nor write those queues.
/// </summary>
public sealed class PartnerQueueDeclaration(IConfiguration configuration) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IConnection? connection;

    public async Task DeclareAsync(string partner, CancellationToken cancellationToken)
    {
        var queue = PartnerQueueTopology.For(partner);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (connection is not { IsOpen: true })
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }

                var address = configuration.GetConnectionString("Bus") ?? throw new InvalidOperationException("ConnectionStrings:Bus is not configured.");
                connection = await new ConnectionFactory { Uri = new Uri(address), ClientProvidedName = "intake-partner-queues" }.CreateConnectionAsync(cancellationToken);
            }

            // A channel per declaration: a refused one closes its channel, and registrations are rare.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await PartnerQueueTopology.DeclareAsync(channel, queue, configuration, cancellationToken);
        }
        catch (Exception e) when (e is RabbitMQClientException or OperationInterruptedException)
        {
            throw new PartnerQueueUnavailableException($"The broker did not declare {queue}: {e.Message}", e);
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        gate.Dispose();
    }
}
