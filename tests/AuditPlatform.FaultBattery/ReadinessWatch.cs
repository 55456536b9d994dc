using System.Diagnostics;

namespace AuditPlatform.FaultBattery;

/// <summary>
/// Looks at every replica's readiness every 250 ms from the moment a fault begins, so recovery is measured by what the
/// services said throughout and not only after the fault was applied: a fault the platform is built to ride out (one
/// RabbitMQ node of three stopped or frozen) may take the battery twenty seconds to apply while no service was ever
/// unready, and a service that flickered in the middle of it counts.
/// </summary>
public sealed class ReadinessWatch : IAsyncDisposable
{
    private readonly Stopwatch clock;
    private readonly CancellationTokenSource stop = new();
    private readonly Task watching;
    private readonly object gate = new();
    private TimeSpan? lastUnready;
    private TimeSpan? readyAgain;
    private readonly List<string> seenUnready = [];

    public ReadinessWatch(Platform platform, Stopwatch clock)
    {
        this.clock = clock;
        watching = WatchAsync(platform, stop.Token);
    }

    /// <summary>
    /// From <paramref name="faultAt"/> until the first look that found every replica ready after the last one that did
    /// not (or <paramref name="allReadyAt"/>, the waiter's own look, when the watch had not looked again); zero when
    /// every look found every replica ready.
    /// </summary>
    public async Task<TimeSpan> RecoveryAsync(TimeSpan faultAt, TimeSpan allReadyAt)
    {
        await stop.CancelAsync();
        await watching;
        lock (gate)
        {
            if (lastUnready is null)
            {
                return TimeSpan.Zero;
            }

            var ready = readyAgain is { } seen && seen < allReadyAt ? seen : allReadyAt;
            return ready > faultAt ? ready - faultAt : TimeSpan.Zero;
        }
    }

    /// <summary>The replicas that were found not ready at least once, in the order they first were.</summary>
    public IReadOnlyList<string> Unready
    {
        get
        {
            lock (gate)
            {
                return [.. seenUnready];
            }
        }
    }

    private async Task WatchAsync(Platform platform, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var looked = clock.Elapsed;
            var answers = await Task.WhenAll(platform.Replicas.Select(async r => (r.Label, Ready: await platform.ReadyAsync(r))));
            lock (gate)
            {
                var unready = answers.Where(a => !a.Ready).Select(a => a.Label).ToList();
                if (unready.Count > 0)
                {
                    lastUnready = looked;
                    readyAgain = null;
                    seenUnready.AddRange(unready.Where(u => !seenUnready.Contains(u)));
                }
                else if (lastUnready is not null && readyAgain is null)
                {
                    readyAgain = clock.Elapsed;
                }
            }

            try
            {
                await Task.Delay(250, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await watching;
        stop.Dispose();
    }
}
