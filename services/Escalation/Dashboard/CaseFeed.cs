using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Reading;
using Marten;
using Npgsql;

namespace AuditPlatform.Escalation.Dashboard;

/// <summary>
/// Case changes fanned out to the dashboards connected to this replica over server-sent events. A slow
/// subscriber loses its oldest updates rather than holding up the service.
/// </summary>
public sealed class CaseFeed
{
    /// <summary>The PostgreSQL channel a committed case change is announced on, so every replica hears every change.</summary>
    public const string Channel = "escalation_case_changed";

    private readonly ConcurrentDictionary<Guid, Channel<CaseView>> subscribers = new();

    public int Subscribers => subscribers.Count;

    /// <summary>Queued in the session: PostgreSQL delivers the notification when (and only if) the change commits.</summary>
    public static void Announce(IDocumentSession session, Guid caseId) =>
        session.QueueSqlCommand($"notify {Channel}, '{caseId:D}'");

    public void Publish(CaseView change)
    {
        foreach (var channel in subscribers.Values)
        {
            channel.Writer.TryWrite(change);
        }
    }

    /// <summary>
    /// The stream one dashboard reads: a <c>ready</c> event as soon as it is subscribed (so the browser sees
    /// the connection open and loads the queues knowing nothing after this point is missed), then each change as <c>case</c>.
    /// </summary>
    public async IAsyncEnumerable<SseItem<CaseView?>> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var channel = System.Threading.Channels.Channel.CreateBounded<CaseView>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        subscribers[id] = channel;
        try
        {
            yield return new SseItem<CaseView?>(null, "ready");
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return new SseItem<CaseView?>(change, "case");
            }
        }
        finally
        {
            subscribers.TryRemove(id, out _);
        }
    }
}

/// <summary>
/// Listens for committed case changes made by any replica (LISTEN on <see cref="CaseFeed.Channel"/>) and
/// passes each case, as the read model now holds it, to this replica's dashboards.
/// </summary>
public sealed partial class CaseFeedListener(CaseFeed feed, IDocumentStore store, IConfiguration configuration, ILogger<CaseFeedListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = configuration.GetConnectionString("Ledger")!;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(connectionString, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogListenFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task ListenAsync(string connectionString, CancellationToken stoppingToken)
    {
        var changed = System.Threading.Channels.Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, KeepAlive = 30 }.ConnectionString);
        connection.Notification += (_, e) =>
        {
            if (Guid.TryParse(e.Payload, out var caseId))
            {
                changed.Writer.TryWrite(caseId);
            }
        };
        await connection.OpenAsync(stoppingToken);
        await using (var listen = new NpgsqlCommand($"listen {CaseFeed.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        var forwarding = ForwardAsync(changed.Reader, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await connection.WaitAsync(stoppingToken);
            }
        }
        finally
        {
            changed.Writer.TryComplete();
            await forwarding;
        }
    }

    private async Task ForwardAsync(ChannelReader<Guid> changed, CancellationToken stoppingToken)
    {
        await foreach (var caseId in changed.ReadAllAsync(CancellationToken.None))
        {
            if (feed.Subscribers == 0 || stoppingToken.IsCancellationRequested)
            {
                continue;
            }

            await using var query = store.QuerySession();
            if (await query.LoadAsync<EscalationCase>(EscalationCase.StreamFor(caseId), CancellationToken.None) is { } found)
            {
                feed.Publish(CaseView.From(found));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The case change listener lost its connection; it listens again in a second.")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
