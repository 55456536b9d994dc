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
/// </summary>
internal sealed partial class ForwarderWatchdog(IProjectionCoordinator coordinator, string forwarderName, ILogger<ForwarderWatchdog> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var stalled = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                stalled = Stalled() ? stalled + 1 : 0;
                if (stalled >= 2)
                {
                    LogRestart(logger, forwarderName);
                    await coordinator.StopAsync(stoppingToken);
                    await coordinator.StartAsync(stoppingToken);
                    stalled = 0;
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

    /// <summary>This replica leads (its high-water agent polls) but its forwarder does not run.</summary>
    private bool Stalled()
    {
        var daemon = coordinator.DaemonForMainDatabase();
        var leading = daemon.HighWaterLastPolledAt is { } polled && DateTimeOffset.UtcNow - polled < Interval * 3;
        var forwarding = daemon.CurrentAgents().Any(a => a.Name.Identity.StartsWith(forwarderName, StringComparison.Ordinal) && a.Status == AgentStatus.Running);
        return leading && !forwarding;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger forwarder {Forwarder} stopped while this replica leads the daemon: restarting the daemon's coordinator")]
    private static partial void LogRestart(ILogger logger, string forwarder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarder watchdog: could not look at the daemon ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
