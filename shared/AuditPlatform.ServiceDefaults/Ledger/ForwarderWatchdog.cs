using JasperFx;
using JasperFx.Events.Daemon;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>
/// Keeps the ledger forwarder running after PostgreSQL restarts under several replicas. The daemon's leadership is
/// an advisory lock that dies with the database session; when PostgreSQL comes back another replica may take it
/// while the old leader keeps running (JasperFx/marten#3789), and the two then stop each other's forwarder on
/// out-of-order progress. When this replica's daemon polls the ledger but its forwarder is not running, the
/// watchdog restarts the daemon's coordinator: it lets go of its locks and takes part in a fresh election, and
/// the one leader resumes from the stored progress (consumers already accept a redelivered event once).
/// It does the same when the forwarder runs but has not moved for <see cref="ForwarderStall.StuckTicks"/> ticks while the
/// ledger holds events past it: a publish caught by a broker restart can wait for a confirmation that never comes, and
/// restarting the coordinator cancels it (the forwarder publishes with the daemon's cancellation token).
/// </summary>
internal sealed partial class ForwarderWatchdog(IProjectionCoordinator coordinator, string forwarderName, ILogger<ForwarderWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var stall = new ForwarderStall();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (stall.Restart(Observe()) is { } reason)
                {
                    LogRestart(logger, forwarderName, reason);
                    await coordinator.StopAsync(stoppingToken);
                    await coordinator.StartAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // PostgreSQL is away, or the daemon is between states: look again at the next tick. A watchdog must
                // never take the service down with it.
                LogUnavailable(logger, e.Message);
            }
        }
    }

    /// <summary>Whether this replica leads (its high-water agent polls), whether its forwarder runs, and how far both are.</summary>
    private ForwarderObservation Observe()
    {
        var daemon = coordinator.DaemonForMainDatabase();
        var leading = daemon.HighWaterLastPolledAt is { } polled && DateTimeOffset.UtcNow - polled < Interval * 3;
        var forwarder = daemon.CurrentAgents().FirstOrDefault(a => a.Name.Identity.StartsWith(forwarderName, StringComparison.Ordinal) && a.Status == AgentStatus.Running);
        return new ForwarderObservation(leading, forwarder is not null, forwarder?.Position ?? 0, daemon.HighWaterMark());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger forwarder {Forwarder} {Reason} while this replica leads the daemon: restarting the daemon's coordinator")]
    private static partial void LogRestart(ILogger logger, string forwarder, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarder watchdog: could not look at the daemon ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}

/// <summary>One look at the daemon: whether this replica leads, whether its forwarder runs, its position and the ledger's high water.</summary>
public readonly record struct ForwarderObservation(bool Leading, bool Running, long Position, long HighWater);

/// <summary>The watchdog's judgement over successive looks (one every 5 s): when the daemon's coordinator must be restarted, and why.</summary>
public sealed class ForwarderStall
{
    /// <summary>Looks in a row with the forwarder stopped while this replica leads.</summary>
    public const int StoppedTicks = 2;

    /// <summary>Looks in a row with the forwarder running but not moving while events wait past it (30 s: a slow batch is not stuck).</summary>
    public const int StuckTicks = 6;

    private int stopped;
    private int stuck;
    private long? lastPosition;

    /// <summary>The reason to restart the coordinator after this look, or null to leave it alone.</summary>
    public string? Restart(ForwarderObservation look)
    {
        var unmoved = look.Leading && look.Running && look.HighWater > look.Position && look.Position == lastPosition;
        lastPosition = look.Running ? look.Position : null;
        stopped = look.Leading && !look.Running ? stopped + 1 : 0;
        stuck = unmoved ? stuck + 1 : 0;
        if (stopped >= StoppedTicks)
        {
            stopped = 0;
            return "stopped";
        }

        if (stuck >= StuckTicks)
        {
            stuck = 0;
            lastPosition = null;
            return $"has not moved from event {look.Position} (the ledger is at {look.HighWater})";
        }

        return null;
    }
}
