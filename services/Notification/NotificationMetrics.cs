using System.Diagnostics.Metrics;
using AuditPlatform.ServiceDefaults.Telemetry;

namespace AuditPlatform.Notification;

/// <summary>Notification's own instruments, on the platform meter.</summary>
public static class NotificationMetrics
{
    public static readonly Counter<long> Created =
        PlatformMetrics.Meter.CreateCounter<long>("audit.notifications.created", "{notice}", "Notices planned, by kind.");

    public static readonly Counter<long> Delivered =
        PlatformMetrics.Meter.CreateCounter<long>("audit.notifications.delivered", "{notice}", "Notices whose delivery ended, by outcome (delivered or failed), kind, channel and partner.");

    public static readonly Counter<long> Attempts =
        PlatformMetrics.Meter.CreateCounter<long>("audit.notifications.attempts", "{attempt}", "Delivery attempts, by outcome (success or failure) and partner.");

    public static void Planned(string kind, int count)
    {
        if (count > 0)
        {
            Created.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public static void Ended(string outcome, string kind, string? channel, string partner) =>
        Delivered.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("kind", kind),
            new KeyValuePair<string, object?>("channel", channel ?? "unknown"), new KeyValuePair<string, object?>("partner", partner));

    public static void Attempted(string outcome, string partner) =>
        Attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("partner", partner));
}
