using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Telemetry;
using JasperFx;
using Marten;

namespace AuditPlatform.Intake.Intelligence.Deadlines;

/// <summary>
/// Records <see cref="HandlingDeadlineMissed"/> when a pressing item's report is overdue. State lives in
/// the ledger, so the watch survives restarts; with several replicas, the stream's version check lets
/// exactly one of them record each miss.
/// </summary>
public sealed partial class HandlingDeadlineWatch(IDocumentStore store, TimeProvider clock, IConfiguration configuration, PlatformMetrics metrics, ILogger<HandlingDeadlineWatch> logger) : BackgroundService
{
    /// <summary>The <c>deadline</c> attribute of <c>audit.deadlines.missed</c> for a report written up too late.</summary>
    public const string DeadlineKind = "intelligence-handling";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(configuration.GetValue("Intake:HandlingWatchInterval", TimeSpan.FromSeconds(5)), clock, SweepAsync, e => LogSweepFailed(logger, e), stoppingToken);

    /// <summary>One pass: every item whose report is overdue gets its miss recorded once.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var query = store.QuerySession();
        var overdue = await query.Query<IntelligenceItem>().Where(i => i.AwaitingReport && i.ReportDue < now).Take(500).ToListAsync(cancellationToken);
        var recorded = 0;
        foreach (var candidate in overdue)
        {
            await using var session = store.TracedSession();
            var stream = await session.Events.FetchForWriting<IntelligenceItem>(candidate.Id, cancellationToken);
            if (stream.Aggregate is { } item && HandlingRules.MissAt(item, now) is { } missed)
            {
                stream.AppendOne(missed);
                try
                {
                    await session.SaveChangesAsync(cancellationToken);
                    metrics.DeadlineMissed(DeadlineKind);
                    recorded++;
                }
                catch (ConcurrencyException)
                {
                    // Another replica, or a report, got there first; the next sweep sees the new state.
                }
            }
        }

        return recorded;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The handling deadline sweep failed; it runs again at the next tick.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
