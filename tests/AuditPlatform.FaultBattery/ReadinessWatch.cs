using System.Diagnostics;

namespace AuditPlatform.FaultBattery;

/// <summary>What a fault cost in readiness: recovery, when the first replica was found not ready (null: none ever was), and which were.</summary>
public sealed record Outage(TimeSpan Recovery, TimeSpan? FirstUnready, IReadOnlyList<string> Replicas);

/// <summary>
/// Looks at every replica's readiness every 250 ms for the whole of a scenario, so that recovery is measured by what
/// the services said throughout and not only once the fault was applied (a fault the platform is built to ride out, one
/// RabbitMQ node of three stopped or frozen, takes the battery twenty seconds to apply while no service need ever be
/// unready, and a service that flickers in the middle of it counts), and so that two replicas of a service found
/// leading their ledger forwarder at once are seen.
/// </summary>
public sealed class ReadinessWatch : IAsyncDisposable
{
    private readonly Platform platform;
    private readonly Stopwatch clock;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Look> taken = [];
    private readonly Lock gate = new();
    private readonly Task watching;

    public ReadinessWatch(Platform platform, Stopwatch clock)
    {
        this.platform = platform;
        this.clock = clock;
        watching = WatchAsync(stop.Token);
    }

    /// <summary>The looks so far (the watch may still be adding to them).</summary>
    private List<Look> Looks()
    {
        lock (gate)
        {
            return [.. taken];
        }
    }

    /// <summary>One look at every replica: when it began, which replicas were not ready, and who led each service's forwarder.</summary>
    private sealed record Look(TimeSpan At, IReadOnlyList<string> Unready, IReadOnlyDictionary<string, string[]> Leaders);

    /// <summary>Stops looking; the figures below are read from the looks taken until then.</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync();
        await watching;
    }

    /// <summary>
    /// What the looks from <paramref name="faultAt"/> on saw: recovery, from the fault until the first look that found
    /// every replica ready after the last one that did not (or <paramref name="allReadyAt"/>, the waiter's own look, if
    /// that was earlier), zero when every look found every replica ready; how long after the fault a replica was first
    /// found not ready; and which were, in the order they first were.
    /// </summary>
    public Outage OutageSince(TimeSpan faultAt, TimeSpan allReadyAt)
    {
        var since = Looks().Where(l => l.At >= faultAt).ToList();
        var last = since.FindLastIndex(l => l.Unready.Count > 0);
        if (last < 0)
        {
            return new Outage(TimeSpan.Zero, null, []);
        }

        var readyAgain = since.Skip(last + 1).Select(l => (TimeSpan?)l.At).FirstOrDefault() is { } seen && seen < allReadyAt ? seen : allReadyAt;
        var first = since.First(l => l.Unready.Count > 0);
        return new Outage(readyAgain - faultAt, first.At - faultAt, [.. since.SelectMany(l => l.Unready).Distinct()]);
    }

    /// <summary>
    /// Each service whose forwarder two replicas said they led in two looks in a row (250 ms or more: one look's answers
    /// are a few milliseconds apart, a handover inside them is not an overlap), with when.
    /// </summary>
    public IReadOnlyList<string> TwoLeaders()
    {
        var looks = Looks();
        var found = new List<string>();
        for (var i = 1; i < looks.Count; i++)
        {
            foreach (var (service, leaders) in looks[i].Leaders)
            {
                if (leaders.Length > 1 && looks[i - 1].Leaders.TryGetValue(service, out var before) && before.Length > 1 && !found.Any(f => f.StartsWith(service + ":", StringComparison.Ordinal)))
                {
                    found.Add($"{service}: {string.Join(" and ", leaders)} at {looks[i - 1].At.TotalSeconds:0.0}-{looks[i].At.TotalSeconds:0.0} s");
                }
            }
        }

        return found;
    }

    /// <summary>Each service's leaders in the order they were seen leading (one name when no handover happened).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Leaders()
    {
        var looks = Looks();
        var order = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var service in looks.SelectMany(l => l.Leaders.Keys).Distinct())
        {
            var seen = new List<string>();
            foreach (var leader in looks.Select(l => l.Leaders.GetValueOrDefault(service)).Where(l => l is { Length: 1 }).Select(l => l![0]))
            {
                if (seen.Count == 0 || seen[^1] != leader)
                {
                    seen.Add(leader);
                }
            }

            order[service] = seen;
        }

        return order;
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var at = clock.Elapsed;
            var answers = await Task.WhenAll(platform.Replicas.Select(async r => (Replica: r, Look: await platform.LookAsync(r))));
            var look = new Look(
                at,
                [.. answers.Where(a => !a.Look.Ready).Select(a => a.Replica.Label)],
                answers.Where(a => a.Look.LeadsForwarder).GroupBy(a => a.Replica.Name).ToDictionary(g => g.Key, g => g.Select(a => a.Replica.Label).ToArray()));
            lock (gate)
            {
                taken.Add(look);
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
        await StopAsync();
        stop.Dispose();
    }
}
