using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.ServiceDefaults.Telemetry;

/// <summary>The platform's own activity source.</summary>
public static class PlatformTelemetry
{
    public const string Name = "AuditPlatform";

    public static readonly ActivitySource Source = new(Name);
}

/// <summary>The service a host runs, as its logs and metrics name it.</summary>
public sealed record ServiceIdentity(string Name);

/// <summary>
/// The platform's instruments of one host, on a meter from the host's <see cref="IMeterFactory"/>: two hosts in one
/// process each count their own, and nothing is static. Names follow OpenTelemetry conventions where one exists
/// (durations in seconds, <c>messaging.*</c> attribute names). Each accepted or refused command also writes one
/// structured log line.
/// </summary>
public sealed partial class PlatformMetrics
{
    private readonly Counter<long> commandsAccepted;
    private readonly Counter<long> commandsRejected;
    private readonly Histogram<double> forwarderLag;
    private readonly Histogram<long> forwardedSequence;
    private readonly Histogram<double> ledgerAppendDuration;
    private readonly Histogram<double> consumerLag;
    private readonly Counter<long> deadlinesMissed;
    private readonly ILogger commandLog;
    private readonly string service;
    private long highWaterMark = -1;

    public PlatformMetrics(IMeterFactory meters, ILoggerFactory loggers, ServiceIdentity identity)
    {
        Meter = meters.Create(PlatformTelemetry.Name);
        service = identity.Name;
        commandLog = loggers.CreateLogger("AuditPlatform.Commands");
        commandsAccepted = Meter.CreateCounter<long>("audit.commands.accepted", "{command}", "Commands accepted into the ledger, by type and transport.");
        commandsRejected = Meter.CreateCounter<long>("audit.commands.rejected", "{command}", "Commands refused, by type and reason.");
        forwarderLag = Meter.CreateHistogram<double>("audit.forwarder.lag", "ms", "Time from ledger commit to publish on the bus.");
        forwardedSequence = Meter.CreateHistogram<long>("audit.forwarder.sequence", "{sequence}", "Global sequence of forwarded events (the high-water mark reached).");
        ledgerAppendDuration = Meter.CreateHistogram<double>("audit.ledger.append.duration", "s", "Time to commit a session that appends events to the ledger.");
        consumerLag = Meter.CreateHistogram<double>("audit.bus.consume.lag", "s", "Time from a message being sent to a consumer starting on it, by message type and queue.");
        deadlinesMissed = Meter.CreateCounter<long>("audit.deadlines.missed", "{deadline}", "Deadlines that passed unmet, by kind.");
        Meter.CreateObservableGauge(
            "audit.forwarder.high_water_mark",
            () => Interlocked.Read(ref highWaterMark) is var mark and >= 0 ? [new Measurement<long>(mark)] : Array.Empty<Measurement<long>>(),
            "{sequence}",
            "Highest global ledger sequence this process has published on the bus.");
    }

    /// <summary>The host's platform meter, for a service's own instruments.</summary>
    public Meter Meter { get; }

    public void Accepted(string command, string transport)
    {
        commandsAccepted.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("transport", transport));
        LogAccepted(commandLog, service, command, transport);
    }

    public void Rejected(string command, string transport, string reason)
    {
        commandsRejected.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("transport", transport), new KeyValuePair<string, object?>("reason", reason));
        LogRejected(commandLog, service, command, transport, reason);
    }

    /// <summary>The forwarder published the event at this global sequence, committed at <paramref name="committedAt"/>.</summary>
    public void Forwarded(long sequence, DateTimeOffset committedAt, string eventType)
    {
        forwarderLag.Record((DateTimeOffset.UtcNow - committedAt).TotalMilliseconds, new KeyValuePair<string, object?>("event.type", eventType));
        forwardedSequence.Record(sequence);
        long current;
        do
        {
            current = Interlocked.Read(ref highWaterMark);
        }
        while (sequence > current && Interlocked.CompareExchange(ref highWaterMark, sequence, current) != current);
    }

    /// <summary>A session that appended events committed after this long.</summary>
    public void Appended(TimeSpan took) => ledgerAppendDuration.Record(took.TotalSeconds);

    /// <summary>A consumer started on a message this long after it was sent.</summary>
    public void Consuming(TimeSpan lag, string messageType, string? queue) =>
        consumerLag.Record(Math.Max(0, lag.TotalSeconds),
            new KeyValuePair<string, object?>("messaging.message.type", messageType),
            new KeyValuePair<string, object?>("messaging.destination.name", queue));

    /// <summary>A deadline of the kind (e.g. <c>intelligence-handling</c>, <c>escalation</c>) passed unmet.</summary>
    public void DeadlineMissed(string kind) =>
        deadlinesMissed.Add(1, new KeyValuePair<string, object?>("deadline", kind));

    // Debug: the ledger is an accepted command's record and audit.commands.accepted its count. At Information, one line
    // per command (about 2.5 KB of log per disclosure with its notices) was most of what the services wrote under load.
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "{Service} accepted {Command} over {Transport}")]
    private static partial void LogAccepted(ILogger logger, string service, string command, string transport);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "{Service} rejected {Command} over {Transport}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string service, string command, string transport, string reason);
}
