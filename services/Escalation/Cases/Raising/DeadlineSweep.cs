using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Telemetry;
using JasperFx;
using Marten;

namespace AuditPlatform.Escalation.Cases.Raising;

/// <summary>
/// Raises cases whose deadline passed without an adequate response, each through the command handler as
/// <see cref="RaiseOnDeadline"/> in a transaction of its own. Deadlines live in the case read model, so they
/// survive restarts; every replica sweeps, and the stream's version check lets exactly one raise land (the
/// others lose with a concurrency error and move on).
/// </summary>
public sealed partial class DeadlineSweep(
    IDocumentStore store, IServiceScopeFactory scopes, RaiseOnDeadlineSlice slice, EscalationPolicy policy, TimeProvider clock, IConfiguration configuration, PlatformMetrics metrics, ILogger<DeadlineSweep> logger)
    : BackgroundService
{
    /// <summary>The <c>deadline</c> attribute of <c>audit.deadlines.missed</c> for a level's response deadline.</summary>
    public const string DeadlineKind = "escalation";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync(configuration.GetValue("Escalation:DeadlineSweepInterval", TimeSpan.FromSeconds(5)), clock, SweepAsync, e => LogSweepFailed(logger, e), stoppingToken);

    /// <summary>One pass: each due case is raised once; returns how many this replica raised.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var top = policy.Levels[^1].Level;
        IReadOnlyList<EscalationCase> due;
        await using (var query = store.QuerySession())
        {
            due = await query.Query<EscalationCase>()
                .Where(c => (c.Status == EscalationCase.Open || c.Status == EscalationCase.Acknowledged) && c.Deadline <= now && c.Level < top)
                .OrderBy(c => c.Deadline).Take(500).ToListAsync(cancellationToken);
        }

        var raised = 0;
        foreach (var candidate in due)
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetRequiredService<CommandHandler>();
            try
            {
                if ((await handler.HandleAsync(slice, new RaiseOnDeadline(candidate.CaseId), Transports.Timer, cancellationToken)).Verdict == Verdict.Accepted)
                {
                    metrics.DeadlineMissed(DeadlineKind);
                    raised++;
                }
            }
            catch (ConcurrencyException)
            {
                // Another replica, or an operator, changed the case first; the next sweep sees its new state.
            }
        }

        return raised;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The escalation deadline sweep failed; it runs again at the next tick.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
