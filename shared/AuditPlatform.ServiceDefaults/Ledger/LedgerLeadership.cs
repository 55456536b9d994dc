using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>
/// Runs the service's async daemon (the ledger forwarder) on one replica at a time. The leader holds a session-level
/// advisory lock on a connection of its own, outside any transaction, and checks that connection every second; when
/// it fails (PostgreSQL restarted, failed over, or the network went), the daemon stops before anything else, and the
/// replica stands for election again. Marten's own hot/cold election held its lock in a transaction that stayed open
/// for as long as the replica led, and that idle transaction kept the snapshot of its last statement: PostgreSQL's
/// vacuum could remove no row deleted or updated after the oldest leader started, in any table (docs/reliability.md,
/// "The daemons' leaders and vacuum").
/// <para>
/// While it leads, every five seconds it looks at the forwarder (<see cref="ForwarderStall"/>): one that has stopped, or
/// that has not moved while events wait past it (a publish caught by a broker restart can wait for a confirmation
/// that never comes), ends the tenure; the next election resumes from the stored progress, and consumers accept a
/// redelivered event once.
/// </para>
/// </summary>
internal sealed partial class LedgerLeadership(
    IDocumentStore store, NpgsqlDataSource lockSource, int lockId, ForwarderLeadership leadership, CommitWakeup wakeup, ILogger<LedgerLeadership> logger) : BackgroundService
{
    private readonly string forwarderName = leadership.Forwarder;

    /// <summary>
    /// How often a follower stands for election, and how often the leader checks its lock's connection. Real time, not
    /// the service's clock: a test that holds the service's clock still must not hold its daemon's leadership still.
    /// </summary>
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(1);

    /// <summary>Beats between two looks at the forwarder.</summary>
    private const int BeatsPerLook = 5;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StandAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // PostgreSQL is away, or the daemon would not start: stand again at the next beat. Leadership must
                // never take the service down with it.
                LogElectionFailed(logger, forwarderName, e.Message);
            }

            try
            {
                await Task.Delay(Beat, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One candidacy: takes the lock or returns; when it has the lock, leads until the lock or the forwarder fails.</summary>
    private async Task StandAsync(CancellationToken stoppingToken)
    {
        // A connection of its own, never pooled: the session-level lock goes when the connection closes, and never
        // stays behind on a pooled connection that another query would then hold it through.
        await using var connection = await lockSource.OpenConnectionAsync(stoppingToken);
        if (!await ScalarAsync<bool>(connection, $"select pg_try_advisory_lock({lockId})", stoppingToken))
        {
            return;
        }

        LogLeading(logger, forwarderName);
        var daemon = await store.BuildProjectionDaemonAsync();
        wakeup.Follow(daemon);
        leadership.Lead();
        try
        {
            await daemon.StartAllAsync();
            await LeadAsync(connection, daemon, stoppingToken);
        }
        finally
        {
            // The daemon stops before the lock goes (closing the connection), so two leaders never forward at once; a stop
            // that fails (PostgreSQL away) still disposes it, which cancels whatever agent is left.
            wakeup.Follow(null);
            try
            {
                await daemon.StopAllAsync();
            }
            finally
            {
                daemon.Dispose();
                leadership.Follow();
            }
        }
    }

    private async Task LeadAsync(NpgsqlConnection connection, IProjectionDaemon daemon, CancellationToken stoppingToken)
    {
        var stall = new ForwarderStall();
        for (var beat = 1; ; beat++)
        {
            await Task.Delay(Beat, stoppingToken);
            // Throws when the session died, and with it the lock: another replica may lead by now.
            await ScalarAsync<int>(connection, "select 1", stoppingToken);
            if (beat % BeatsPerLook == 0 && stall.Restart(Observe(daemon)) is { } reason)
            {
                LogStepDown(logger, forwarderName, reason);
                return;
            }
        }
    }

    /// <summary>Whether the forwarder runs, and how far it and the ledger are; this replica leads.</summary>
    private ForwarderObservation Observe(IProjectionDaemon daemon)
    {
        var forwarder = daemon.CurrentAgents().FirstOrDefault(a => a.Name.Identity.StartsWith(forwarderName, StringComparison.Ordinal) && a.Status == AgentStatus.Running);
        return new ForwarderObservation(forwarder is not null, forwarder?.Position ?? 0, daemon.HighWaterMark());
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 5 };
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This replica leads {Forwarder}: its daemon starts")]
    private static partial void LogLeading(ILogger logger, string forwarder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ledger forwarder {Forwarder} {Reason}: this replica steps down and stands again")]
    private static partial void LogStepDown(ILogger logger, string forwarder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leadership of {Forwarder} lost or not taken ({Reason}); standing again")]
    private static partial void LogElectionFailed(ILogger logger, string forwarder, string reason);
}

/// <summary>One look at the leader's daemon (only a leader looks): whether its forwarder runs, its position and the ledger's high water.</summary>
public readonly record struct ForwarderObservation(bool Running, long Position, long HighWater);

/// <summary>The leader's judgement over successive looks (one every 5 s): when its tenure must end, and why.</summary>
public sealed class ForwarderStall
{
    /// <summary>Looks in a row with the forwarder stopped.</summary>
    public const int StoppedTicks = 2;

    /// <summary>Looks in a row with the forwarder running but not moving while events wait past it (30 s: a slow batch is not stuck).</summary>
    public const int StuckTicks = 6;

    private int stopped;
    private int stuck;
    private long? lastPosition;

    /// <summary>The reason to end the tenure after this look, or null to go on.</summary>
    public string? Restart(ForwarderObservation look)
    {
        var unmoved = look.Running && look.HighWater > look.Position && look.Position == lastPosition;
        lastPosition = look.Running ? look.Position : null;
        stopped = !look.Running ? stopped + 1 : 0;
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
