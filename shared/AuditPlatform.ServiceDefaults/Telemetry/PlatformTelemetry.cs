using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AuditPlatform.ServiceDefaults.Telemetry;

/// <summary>The platform's own activity source.</summary>
public static class PlatformTelemetry
{
    public const string Name = "AuditPlatform";

    public static readonly ActivitySource Source = new(Name);
}

/// <summary>
/// The platform's own instruments; names follow OpenTelemetry conventions where one exists (durations in seconds,
/// <c>messaging.*</c> attribute names). Each accepted or refused command also writes one structured log line.
/// </summary>
public static partial class PlatformMetrics
{
    public static readonly Meter Meter = new(PlatformTelemetry.Name);

    public static readonly Counter<long> CommandsAccepted =
        Meter.CreateCounter<long>("audit.commands.accepted", "{command}", "Commands accepted into the ledger, by type and transport.");

    public static readonly Counter<long> CommandsRejected =
        Meter.CreateCounter<long>("audit.commands.rejected", "{command}", "Commands refused, by type and reason.");

    public static readonly Histogram<double> ForwarderLag =
        Meter.CreateHistogram<double>("audit.forwarder.lag", "ms", "Time from ledger commit to publish on the bus.");

    public static readonly Histogram<long> ForwardedSequence =
        Meter.CreateHistogram<long>("audit.forwarder.sequence", "{sequence}", "Global sequence of forwarded events (the high-water mark reached).");

    public static readonly Histogram<double> LedgerAppendDuration =
        Meter.CreateHistogram<double>("audit.ledger.append.duration", "s", "Time to commit a session that appends events to the ledger.");

    public static readonly Histogram<double> ConsumerLag =
        Meter.CreateHistogram<double>("audit.bus.consume.lag", "s", "Time from a message being sent to a consumer starting on it, by message type and queue.");

    public static readonly Counter<long> DeadlinesMissed =
        Meter.CreateCounter<long>("audit.deadlines.missed", "{deadline}", "Deadlines that passed unmet, by kind.");

    public static readonly Counter<long> WebhookDeliveries =
        Meter.CreateCounter<long>("audit.webhook.deliveries", "{delivery}", "Webhook delivery attempts, by outcome.");

    private static long highWaterMark = -1;
    private static ILogger commandLog = NullLogger.Instance;
    private static string service = "unknown";

    static PlatformMetrics()
    {
        Meter.CreateObservableGauge(
            "audit.forwarder.high_water_mark",
            () => Interlocked.Read(ref highWaterMark) is var mark and >= 0 ? [new Measurement<long>(mark)] : Array.Empty<Measurement<long>>(),
            "{sequence}",
            "Highest global ledger sequence this process has published on the bus.");
    }

    /// <summary>
    /// The platform's meter of one host, for instruments that read that host's own state (gauges): created through
    /// the host's <see cref="IMeterFactory"/>, so two hosts in one process each report their own and a stopped host's
    /// instruments go with it.
    /// </summary>
    public static Meter ForHost(IMeterFactory meters) => meters.Create(PlatformTelemetry.Name);

    /// <summary>Where the one-line-per-command log goes, and the service it names; set once at startup by the telemetry defaults.</summary>
    public static void UseLogger(ILoggerFactory factory, string serviceName = "unknown")
    {
        service = serviceName;
        commandLog = factory.CreateLogger("AuditPlatform.Commands");
    }

    public static void Accepted(string command, string transport)
    {
        CommandsAccepted.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("transport", transport));
        LogAccepted(commandLog, service, command, transport);
    }

    public static void Rejected(string command, string transport, string reason)
    {
        CommandsRejected.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("transport", transport), new KeyValuePair<string, object?>("reason", reason));
        LogRejected(commandLog, service, command, transport, reason);
    }

    /// <summary>The forwarder published the event at this global sequence (updates the lag histogram's companion gauge).</summary>
    public static void Forwarded(long sequence)
    {
        ForwardedSequence.Record(sequence);
        long current;
        do
        {
            current = Interlocked.Read(ref highWaterMark);
        }
        while (sequence > current && Interlocked.CompareExchange(ref highWaterMark, sequence, current) != current);
    }

    /// <summary>A deadline of the kind (e.g. <c>intelligence-handling</c>, <c>escalation</c>) passed unmet.</summary>
    public static void DeadlineMissed(string kind) =>
        DeadlinesMissed.Add(1, new KeyValuePair<string, object?>("deadline", kind));

    /// <summary>One webhook attempt ended: <c>delivered</c>, <c>failed</c>, <c>gave-up</c>.</summary>
    public static void WebhookDelivery(string outcome) =>
        WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Service} accepted {Command} over {Transport}")]
    private static partial void LogAccepted(ILogger logger, string service, string command, string transport);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Service} rejected {Command} over {Transport}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string service, string command, string transport, string reason);
}
