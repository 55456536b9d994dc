using System.Diagnostics.Metrics;
using AuditPlatform.ServiceDefaults.Telemetry;

namespace AuditPlatform.Notification;

/// <summary>
/// Notification's own instruments, on the host's platform meter: one instrument per fact. A delivery is counted once
/// when it ends, by channel; each attempt once, by channel and outcome.
/// </summary>
public sealed class NotificationMetrics
{
    private readonly Counter<long> created;
    private readonly Counter<long> delivered;
    private readonly Counter<long> attempts;

    public NotificationMetrics(PlatformMetrics platform)
    {
        created = platform.Meter.CreateCounter<long>("audit.notifications.created", "{notice}", "Notices planned, by kind.");
        delivered = platform.Meter.CreateCounter<long>("audit.notifications.delivered", "{notice}", "Notices whose delivery ended, by outcome (delivered or failed), kind, channel and partner.");
        attempts = platform.Meter.CreateCounter<long>("audit.notifications.attempts", "{attempt}", "Delivery attempts, by outcome (success or failure), channel and partner.");
    }

    public void Planned(string kind, int count)
    {
        if (count > 0)
        {
            created.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public void Ended(string outcome, string kind, string? channel, string partner) =>
        delivered.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("kind", kind),
            new KeyValuePair<string, object?>("channel", channel ?? "unknown"), new KeyValuePair<string, object?>("partner", partner));

    public void Attempted(string outcome, string? channel, string partner) =>
        attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("channel", channel ?? "unknown"),
            new KeyValuePair<string, object?>("partner", partner));
}
