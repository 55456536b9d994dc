using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AuditPlatform.ServiceDefaults.Telemetry;

/// <summary>The platform's own activity source.</summary>
public static class PlatformTelemetry
{
    public const string Name = "AuditPlatform";

    public static readonly ActivitySource Source = new(Name);
}

/// <summary>The platform's own instruments; names follow OpenTelemetry conventions where one exists.</summary>
public static class PlatformMetrics
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

    public static void Accepted(string command, string transport) =>
        CommandsAccepted.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("transport", transport));

    public static void Rejected(string command, string transport, string reason) =>
        CommandsRejected.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("transport", transport), new KeyValuePair<string, object?>("reason", reason));
}
