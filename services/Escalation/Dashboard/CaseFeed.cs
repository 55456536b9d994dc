using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AuditPlatform.Escalation.Cases.Reading;

namespace AuditPlatform.Escalation.Dashboard;

/// <summary>
/// Case changes made by this replica, fanned out to the dashboards connected to it over server-sent
/// events. A slow subscriber loses its oldest updates rather than holding up the service.
/// </summary>
public sealed class CaseFeed
{
    private readonly ConcurrentDictionary<Guid, Channel<CaseView>> subscribers = new();

    public int Subscribers => subscribers.Count;

    public void Publish(CaseView change)
    {
        foreach (var channel in subscribers.Values)
        {
            channel.Writer.TryWrite(change);
        }
    }

    public async IAsyncEnumerable<CaseView> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var channel = Channel.CreateBounded<CaseView>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        subscribers[id] = channel;
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            subscribers.TryRemove(id, out _);
        }
    }
}
