using System.Threading.Channels;
using JasperFx.Events.Daemon;
using JasperFx.Events.Daemon.HighWater;
using Marten;
using Marten.Services;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>
/// Wakes this process's high-water agent when this process commits events and the agent's last look found nothing new,
/// instead of at its next poll, so that at ordinary rates a service's events are on the bus milliseconds after their
/// commit. An agent whose last look found new events is busy: it looks again after <see cref="Busy"/> whatever rings
/// meanwhile, and forwards what came in one batch (woken on every commit under sustained load, it forwarded smaller
/// batches and its p99 grew; docs/performance.md). Rings coalesce (one pending at most), and the agent is woken at
/// most once per <see cref="Floor"/>. The poll (<c>Ledger:PollingInterval</c>) still finds other replicas' events, and
/// events held back by another service's transaction still in flight (the services share one sequence, and that commit
/// rings only its own service). PostgreSQL NOTIFY (<c>Ledger:ListenNotify</c>), which wakes every service's agent on
/// every service's commit, replaces this when on.
/// </summary>
public sealed class CommitWakeup(TimeProvider clock) : DocumentSessionListenerBase, IDaemonWakeup
{
    /// <summary>The least time between two wakes.</summary>
    public static readonly TimeSpan Floor = TimeSpan.FromMilliseconds(10);

    /// <summary>How long an agent whose last look found new events waits, rings or not (at most the poll's interval).</summary>
    public static readonly TimeSpan Busy = TimeSpan.FromMilliseconds(100);

    private readonly Channel<bool> rung = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private long lastWoken = clock.GetTimestamp();
    private long markAtLastWait = -1;
    private IProjectionDaemon? daemon;

    /// <summary>The daemon this process leads with, whose high water says whether its agent is busy; null when it leads none.</summary>
    public void Follow(IProjectionDaemon? leading) => Volatile.Write(ref daemon, leading);

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        if (commit.GetStreams().Any())
        {
            rung.Writer.TryWrite(true);
        }

        return Task.CompletedTask;
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken token)
    {
        var since = clock.GetElapsedTime(lastWoken);
        if (since < Floor)
        {
            await Task.Delay(Floor - since, clock, token);
        }

        // An agent whose last look found new events is busy: it looks again after Busy, and takes everything committed
        // meanwhile in one batch, as it did before rings. Rings wake an agent whose last look found nothing new.
        var mark = Volatile.Read(ref daemon)?.HighWaterMark() ?? -1;
        var busy = mark > markAtLastWait && markAtLastWait >= 0;
        markAtLastWait = mark;
        try
        {
            if (busy)
            {
                await Task.Delay(timeout < Busy ? timeout : Busy, clock, token);
                return;
            }

            using var elapsed = new CancellationTokenSource(timeout, clock);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(token, elapsed.Token);
            await rung.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            // The poll's time: the agent looks anyway.
        }
        finally
        {
            lastWoken = clock.GetTimestamp();
        }
    }

    public void Dispose()
    {
    }
}
