using System.Diagnostics.Metrics;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;

namespace AuditPlatform.Escalation.Cases.Reading;

/// <summary>
/// Counts the cases still in the operators' queues (not resolved) per level of the policy, from the case read
/// model, and serves that snapshot to the <c>audit.cases.open</c> gauge. The count is refreshed on a timer rather
/// than at each scrape, so a scrape never waits on the database; every level is reported, zero included.
/// </summary>
public sealed partial class OpenCasesByLevel(
    IDocumentStore store, EscalationPolicy policy, TimeProvider clock, IConfiguration configuration, PlatformMetrics metrics, ILogger<OpenCasesByLevel> logger) : BackgroundService
{
    private IReadOnlyList<KeyValuePair<int, long>> counts = [];

    /// <summary>The last counts read, by level.</summary>
    public IReadOnlyList<KeyValuePair<int, long>> Counts => Volatile.Read(ref counts);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.Meter.CreateObservableGauge(
            "audit.cases.open",
            () => Counts.Select(c => new Measurement<long>(c.Value, new KeyValuePair<string, object?>("level", c.Key))),
            "{case}",
            "Escalation cases open now, by level.");
        return PeriodicWork.RunAsync(configuration.GetValue("Escalation:OpenCasesRefreshInterval", TimeSpan.FromSeconds(10)), clock, RefreshAsync, e => LogRefreshFailed(logger, e), stoppingToken);
    }

    /// <summary>Reads the counts now; returns them.</summary>
    public async Task<IReadOnlyList<KeyValuePair<int, long>>> RefreshAsync(CancellationToken cancellationToken)
    {
        await using var query = store.QuerySession();
        var read = new List<KeyValuePair<int, long>>(policy.Levels.Count);
        foreach (var level in policy.Levels.Select(l => l.Level))
        {
            var open = await query.Query<EscalationCase>().Where(c => c.Status != EscalationCase.Resolved && c.Level == level).CountAsync(cancellationToken);
            read.Add(new KeyValuePair<int, long>(level, open));
        }

        Volatile.Write(ref counts, read);
        return read;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting open cases for the audit.cases.open gauge failed; the last count is kept until the next tick.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
