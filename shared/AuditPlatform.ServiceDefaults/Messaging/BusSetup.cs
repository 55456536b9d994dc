using AuditPlatform.ServiceDefaults.Ledger;
using MassTransit;
using MassTransit.RabbitMqTransport;
using MassTransit.RabbitMqTransport.Configuration;
using MassTransit.RabbitMqTransport.Middleware;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.ServiceDefaults.Messaging;

public static class BusSetup
{
    /// <summary>
    /// MassTransit over RabbitMQ. Queues are named <c>&lt;service&gt;-&lt;consumer&gt;</c>; messages with
    /// MassTransit's envelope and plain JSON (any AMQP client, no envelope) are both accepted; refused
    /// input goes straight to the queue's <c>_error</c> queue with the reason in its headers.
    /// The exchanges of the messages the service publishes, its queues with their bindings and their <c>_error</c>
    /// queues are declared when the bus starts, and by <see cref="DeployTopologyAsync"/> without consuming.
    /// </summary>
    public static IServiceCollection AddBus(this WebApplicationBuilder builder, string serviceName, Action<IBusRegistrationConfigurator> consumers)
    {
        var address = new Uri(builder.Configuration.GetConnectionString("Bus")
            ?? throw new InvalidOperationException("ConnectionStrings:Bus is not configured."));
        var quorum = builder.Configuration.GetValue("Bus:QuorumQueues", false);
        var prefetch = builder.Configuration.GetValue("Bus:PrefetchCount", 32);
        var reconnectEvery = builder.Configuration.GetValue("Bus:ReconnectInterval", DefaultReconnectInterval);
        var holdFor = builder.Configuration.GetValue("Bus:HoldWhileLedgerUnavailable", DefaultHoldWhileLedgerUnavailable);
        // A RabbitMQ cluster: every node (host:port, comma-separated); the client moves to another when one goes away.
        var clusterNodes = builder.Configuration.GetValue<string>("Bus:ClusterNodes")?
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

        var deployment = new TopologyDeployment();
        builder.Services.AddSingleton(deployment);
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(serviceName, false));
            // MassTransit 8.4+ posts a usage report to its vendor's host by default; a service talks only to the
            // servers it is configured with.
            x.DisableUsageTelemetry();
            consumers(x);
            x.AddConsumeObserver<RejectionObserver>();
            x.AddConfigureEndpointsCallback((registration, _, endpoint) =>
            {
                // A refused message is kept, with its reason, in the queue's _error queue; nothing consumes
                // Fault<T> events, and publishing them would need topology no service user is granted.
                endpoint.PublishFaults = false;
                // Before the retries and any consumer: a malformed body is refused at once, with field errors as HTTP gives them.
                endpoint.UseFilter(new CommandBodyCheck());
                // MassTransit's default error pipe, with a malformed body's field errors as the reason, a refusal notice
                // for an integrator sender, and the sender's token taken off first.
                endpoint.ConfigureError(e =>
                {
                    e.UseFilter(new MalformedCommandReason());
                    e.UseFilter(new RefusalNotices(registration));
                    e.UseFilter(new WithoutCredentials());
                    e.UseFilter(new MassTransit.Middleware.GenerateFaultFilter());
                    e.UseFilter(new MassTransit.Middleware.ErrorTransportFilter());
                });
                if (quorum && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue();
                }

                if (endpoint is IRabbitMqReceiveEndpointConfiguration and IRabbitMqReceiveEndpointConfigurator)
                {
                    DeclareErrorQueue(endpoint);
                }
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                // Set by migrate before anything resolves the bus: declare everything, consume nothing.
                cfg.DeployTopologyOnly = deployment.TopologyOnly;
                // Exchanges exist before the first event is forwarded, so an integrator can bind to them early.
                cfg.DeployPublishTopology = true;
                cfg.AddPublishMessageTypes(context.GetRequiredService<EventTable>().PublishedMessages);
                var (user, password) = Credentials(address);
                cfg.Host(address.Host, (ushort)(address.IsDefaultPort ? 5672 : address.Port), VirtualHost(address), h =>
                {
                    h.Username(user);
                    h.Password(password);
                    h.PublisherConfirmation = true;
                    if (clusterNodes.Length > 0)
                    {
                        h.UseCluster(c =>
                        {
                            foreach (var node in clusterNodes)
                            {
                                c.Node(node);
                            }
                        });
                    }
                });
                cfg.PrefetchCount = prefetch;
                ReconnectEvery(cfg, reconnectEvery);
                // Plain JSON from any language: a message without MassTransit's content type is read as the
                // bare command, whatever its type header says (each command has a queue of its own).
                cfg.UseRawJsonDeserializer(RawSerializerOptions.AnyMessageType | RawSerializerOptions.CopyHeaders, isDefault: true);
                // Outermost: while PostgreSQL is away or short of a resource (a restart, a failover, no connection to
                // spare, a full disk) a message is held and tried again every two seconds, for Bus:HoldWhileLedgerUnavailable,
                // instead of going to _error after the quick retries below.
                // Each retry is logged by RetryLog, in the platform's words, not by MassTransit's R-RETRY per attempt.
                var retryLog = ActivatorUtilities.CreateInstance<RetryLog>(context);
                cfg.UseMessageRetry(r =>
                {
                    r.Interval(HoldAttempts(holdFor), LedgerRetryInterval);
                    r.Handle<Exception>(LedgerFailures.IsUnavailable);
                    r.ConnectRetryObserver(retryLog);
                });
                // A write that lost an optimistic-concurrency race on a stream another message wrote at the same moment
                // (a response reaching every open case of a partner while breaches raise them) is decided again on
                // fresh state; nothing of it was saved. Under load five quick tries were not enough: 25 responses went
                // to _error in one benchmark run (docs/reliability.md).
                cfg.UseMessageRetry(r =>
                {
                    r.Exponential(20, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50));
                    r.Handle<Exception>(LedgerFailures.IsLostRace);
                    r.ConnectRetryObserver(retryLog);
                });
                cfg.UseMessageRetry(r =>
                {
                    r.Exponential(5, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
                    r.Ignore<InvalidCommandException>();
                    r.Ignore<System.Text.Json.JsonException>();
                    r.Ignore<System.Runtime.Serialization.SerializationException>();
                    // Left to the outer retries above; a policy that handled them first would be the only one applied.
                    r.Ignore<Exception>(LedgerFailures.IsUnavailable);
                    r.Ignore<Exception>(LedgerFailures.IsLostRace);
                    r.ConnectRetryObserver(retryLog);
                });
                cfg.ConfigureEndpoints(context);
            });
        });

        return builder.Services;
    }

    /// <summary>
    /// Declares the bus topology of this service and stops: the exchanges of what it publishes and consumes, its
    /// queues bound to them and their <c>_error</c> queues, under the service's own broker user. <c>migrate</c> runs it,
    /// so a command published or a queue bound right after setup finds its exchange even before the service runs.
    /// Call it before anything else resolves the bus.
    /// </summary>
    public static async Task DeployTopologyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<TopologyDeployment>() is not { } deployment)
        {
            return;
        }

        deployment.TopologyOnly = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var bus = services.GetRequiredService<IBusControl>();
        // Not MassTransit's DeployAsync: it stops the bus as soon as it has started, and a receive endpoint still
        // declaring its queues then reaches its ready filter after the stop; that filter waits for a stop that has
        // already passed, and migrate hangs. Every endpoint ready means every endpoint has declared its topology.
        var handle = await bus.StartAsync(timeout.Token);
        await handle.Ready.WaitAsync(timeout.Token);
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            // Bounded here, not only by the token given to the stop: a receive endpoint caught reconnecting when the stop
            // came did not observe that token, and a CI run's migrate waited on it for five minutes (hang dump: the stop
            // awaiting ReceiveTransportAgent.StopAgent, its transport in WaitForConnectionPipe).
            await bus.StopAsync(stopping.Token).WaitAsync(stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The topology is declared (every endpoint was ready); a stop that does not finish must not hold migrate.
        }
    }

    /// <summary>
    /// How long a consumed message is held, and tried again, while the ledger cannot take it (PostgreSQL down, out of
    /// connections, its disk full) before it goes to <c>_error</c> with the reason. 25 minutes stays under RabbitMQ's
    /// <c>consumer_timeout</c> (30 minutes by default), after which the broker would close the channel of a delivery held
    /// unacknowledged that long and deliver the message again; raise both together.
    /// </summary>
    public static readonly TimeSpan DefaultHoldWhileLedgerUnavailable = TimeSpan.FromMinutes(25);

    /// <summary>The pause between two tries of a message held while the ledger is unavailable.</summary>
    public static readonly TimeSpan LedgerRetryInterval = TimeSpan.FromSeconds(2);

    /// <summary>How many tries, one every <see cref="LedgerRetryInterval"/>, hold a message for <paramref name="holdFor"/> (at least one).</summary>
    public static int HoldAttempts(TimeSpan holdFor) =>
        Math.Max(1, (int)Math.Ceiling(holdFor / LedgerRetryInterval));

    /// <summary>
    /// How often a receive endpoint tries its broker again while it cannot reach it, on top of the second MassTransit
    /// always waits between two tries: a try every 1.25 s, where a second here made it one every 2 s and a broker back
    /// from a restart waited that much longer for its consumers (docs/reliability.md). A refused connection on a
    /// broker that is down costs next to nothing.
    /// </summary>
    public static readonly TimeSpan DefaultReconnectInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// MassTransit 8 retries a lost broker connection per receive endpoint on an exponential back-off of 6, 9, 15, 27
    /// and then 30 s, never reset while the service runs, so after a broker restart an endpoint could wait another
    /// half minute before it consumed again, and the service stayed not ready that long. Here every endpoint tries
    /// again about every <paramref name="interval"/> (MassTransit adds a second's pause and ±25 % jitter), for as
    /// long as the service runs, on exactly the errors MassTransit's own policy retries (a refused login still stops it).
    /// MassTransit 8 has no setting for this policy: it is replaced on the host configuration MassTransit built.
    /// Returns that host configuration.
    /// </summary>
    public static IRabbitMqHostConfiguration ReconnectEvery(IRabbitMqBusFactoryConfigurator configurator, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        const System.Reflection.BindingFlags Instance = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic;
        var host = configurator.GetType().GetField("_hostConfiguration", Instance)?.GetValue(configurator) as RabbitMqHostConfiguration;
        var policyField = typeof(RabbitMqHostConfiguration).GetField($"<{nameof(RabbitMqHostConfiguration.ReceiveTransportRetryPolicy)}>k__BackingField", Instance);
        if (host is null || policyField is null)
        {
            // A MassTransit update moved them: fail at start, where BusSetupSpecs shows it, rather than reconnect slowly.
            throw new InvalidOperationException("MassTransit's RabbitMQ host configuration has changed: BusSetup.ReconnectEvery cannot set the receive transports' retry policy.");
        }

        var original = host.ReceiveTransportRetryPolicy;
        policyField.SetValue(host, Retry.CreatePolicy(x =>
        {
            x.Handle<Exception>(original.IsHandled);
            x.Exponential(int.MaxValue, interval, interval, interval);
        }));
        return host;
    }

    // MassTransit declares a queue's _error queue only when the first message fails; declared with the receive
    // endpoint (on the same settings MassTransit uses for it), it is there for operators and integrators to read.
    private static void DeclareErrorQueue(IReceiveEndpointConfigurator endpoint)
    {
        var configuration = (IRabbitMqReceiveEndpointConfiguration)endpoint;
        var settings = configuration.Topology.Send.GetErrorSettings(configuration.Settings);
        var filter = new ConfigureRabbitMqTopologyFilter<ErrorQueue>(new ErrorQueue(settings), settings.GetBrokerTopology());
        ((IRabbitMqReceiveEndpointConfigurator)endpoint).ConfigureChannel(channel => channel.UseFilter(filter));
    }

    /// <summary>Keys the one-time declaration of a receive endpoint's _error queue on its channel.</summary>
    private sealed record ErrorQueue(ErrorSettings Settings);

    /// <summary>Whether this process only deploys the bus topology (<c>migrate</c>) instead of running consumers.</summary>
    public sealed class TopologyDeployment
    {
        public bool TopologyOnly { get; set; }
    }

    private static string VirtualHost(Uri address)
    {
        var path = Uri.UnescapeDataString(address.AbsolutePath.TrimStart('/'));
        return path.Length == 0 ? "/" : path;
    }

    private static (string User, string Password) Credentials(Uri address)
    {
        var parts = address.UserInfo.Split(':', 2);
        return parts.Length == 2
            ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]))
            : throw new InvalidOperationException("ConnectionStrings:Bus must carry a user and password (amqp://user:password@host:port/vhost).");
    }
}
