using System.Diagnostics;
using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults.Telemetry;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>
/// The ledger is the outbox: this Marten subscription publishes the service's committed events to the
/// bus. The message id is the ledger event id and the global sequence travels as a header, so consumers
/// can drop the duplicates that at-least-once delivery brings.
/// </summary>
public sealed partial class LedgerForwarder : SubscriptionBase
{
    private readonly EventTable table;
    private readonly IBus bus;
    private readonly PlatformMetrics metrics;
    private readonly ILogger<LedgerForwarder> logger;

    public LedgerForwarder(EventTable table, IBus bus, PlatformMetrics metrics, ILogger<LedgerForwarder> logger)
    {
        this.metrics = metrics;
        this.table = table;
        this.bus = bus;
        this.logger = logger;
        foreach (var type in table.ForwardedTypes)
        {
            IncludeType(type);
        }
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var outgoing = new List<(IEvent Committed, object Message)>(page.Events.Count);
        foreach (var committed in page.Events)
        {
            if (table.ToMessage(committed.Data) is { } message)
            {
                outgoing.Add((committed, message));
            }
        }

        // Streams are independent; the events of one stream keep their order.
        var streams = outgoing.GroupBy(o => o.Committed.StreamKey ?? string.Empty);
        await Parallel.ForEachAsync(streams, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (stream, ct) =>
        {
            foreach (var (committed, message) in stream)
            {
                await ForwardAsync(committed, message, ct);
            }
        });

        return Marten.NullChangeListener.Instance;
    }

    private async Task ForwardAsync(IEvent committed, object message, CancellationToken cancellationToken)
    {
        using var activity = StartForwardActivity(committed);
        await bus.Publish(message, message.GetType(), context =>
        {
            context.MessageId = committed.Id;
            context.Headers.Set(BusHeaders.LedgerSequence, committed.Sequence);
            context.Headers.Set(BusHeaders.LedgerStream, committed.StreamKey);
        }, cancellationToken);

        metrics.Forwarded(committed.Sequence, committed.Timestamp, committed.EventTypeName);
        LogForwarded(logger, committed.EventTypeName, committed.Sequence);
    }

    private static Activity? StartForwardActivity(IEvent committed)
    {
        var activity = PlatformTelemetry.Source.StartActivity("ledger forward " + committed.EventTypeName, ActivityKind.Producer, TracedSessions.TraceContextOf(TracedSessions.TraceParentOf(committed)));
        activity?.SetTag("audit.ledger.sequence", committed.Sequence);
        activity?.SetTag("audit.ledger.stream", committed.StreamKey);
        return activity;
    }


    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarded {EventType} sequence {Sequence}")]
    private static partial void LogForwarded(ILogger logger, string eventType, long sequence);
}
