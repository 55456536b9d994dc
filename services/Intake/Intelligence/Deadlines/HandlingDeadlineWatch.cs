using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Telemetry;
using JasperFx;
using Marten;

namespace AuditPlatform.Intake.Intelligence.Deadlines;

public static class HandlingDeadlines
{
    /// <summary>The <c>deadline</c> attribute of <c>audit.deadlines.missed</c> for a report written up too late.</summary>
    public const string Kind = "intelligence-handling";
}

/// <summary>The watch found an item whose report may be overdue.</summary>
public sealed record RecordHandlingMiss(Guid ItemId);

/// <summary>Records the miss once, when the deadline has passed with no report and none was recorded.</summary>
public sealed class RecordHandlingMissSlice : CommandSlice<RecordHandlingMiss, IntelligenceItem, IntelligenceEvent>
{
    public override string StreamFor(RecordHandlingMiss command) => IntelligenceItem.StreamFor(command.ItemId);

    public override Decision<IntelligenceEvent> Decide(RecordHandlingMiss command, IntelligenceItem? state, CommandContext context) =>
        state is not null && HandlingRules.MissAt(state, context.Now) is { } missed ? Decision<IntelligenceEvent>.Accept(missed) : Decision<IntelligenceEvent>.AlreadyDone;

    public override IntelligenceItem? Evolve(IntelligenceItem? state, IntelligenceEvent change) => IntelligenceHistory.Evolve(state, change);
}

/// <summary>
/// Records <see cref="HandlingDeadlineMissed"/> when a pressing item's report is overdue. State lives in
/// the ledger, so the watch survives restarts; with several replicas, the stream's version check lets
/// exactly one of them record each miss.
/// </summary>
public sealed partial class HandlingDeadlineWatch(
    IDocumentStore store, IServiceScopeFactory scopes, RecordHandlingMissSlice slice, TimeProvider clock, IConfiguration configuration, PlatformMetrics metrics, ILogger<HandlingDeadlineWatch> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(configuration.GetValue("Intake:HandlingWatchInterval", TimeSpan.FromSeconds(5)), clock, SweepAsync, e => LogSweepFailed(logger, e), stoppingToken);

    /// <summary>One pass: every item whose report is overdue gets its miss recorded once.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<IntelligenceItem> overdue;
        await using (var query = store.QuerySession())
        {
            overdue = await query.Query<IntelligenceItem>().Where(i => i.AwaitingReport && i.ReportDue < now).Take(500).ToListAsync(cancellationToken);
        }

        var recorded = 0;
        foreach (var candidate in overdue)
        {
            await using var scope = scopes.CreateAsyncScope();
            try
            {
                var outcome = await scope.ServiceProvider.GetRequiredService<CommandHandler>().HandleAsync(slice, new RecordHandlingMiss(candidate.ItemId), Transports.Timer, cancellationToken);
                if (outcome.Verdict == Verdict.Accepted)
                {
                    metrics.DeadlineMissed(HandlingDeadlines.Kind);
                    recorded++;
                }
            }
            catch (ConcurrencyException)
            {
                // Another replica, or a report, got there first; the next sweep sees the new state.
            }
        }

        return recorded;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The handling deadline sweep failed; it runs again at the next tick.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
