using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AuditPlatform.ServiceDefaults.Http;

/// <summary>Ready means PostgreSQL answers and the bus is connected (MassTransit adds its own check, tagged ready).</summary>
internal sealed class LedgerHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers.");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer: " + e.Message);
        }
    }
}

/// <summary>
/// Logs each readiness check's changes of status once, as an orchestrator's probes see them: a Warning when a check turns
/// degraded or unhealthy, with its description, and an Information line when it is healthy again, with how long it was
/// not. The health check service's own log, an Error line per failing check on every probe (every few seconds per
/// replica for as long as a dependency is away), is off in every service's <c>appsettings.json</c>.
/// </summary>
public sealed partial class HealthTransitions(TimeProvider clock, ILogger<HealthTransitions> logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (HealthStatus Status, DateTimeOffset Since)> last = new(StringComparer.Ordinal);

    public void Observe(HealthReport report)
    {
        var now = clock.GetUtcNow();
        lock (gate)
        {
            foreach (var (name, entry) in report.Entries)
            {
                var seen = last.TryGetValue(name, out var before);
                if (seen ? before.Status == entry.Status : entry.Status == HealthStatus.Healthy)
                {
                    // Unchanged, or healthy from its first answer: nothing to say (the first answer is still remembered).
                    last.TryAdd(name, (entry.Status, now));
                    continue;
                }

                last[name] = (entry.Status, now);
                var status = HealthSetup.Lower(entry.Status);
                var description = entry.Description ?? entry.Exception?.Message ?? string.Empty;
                if (!seen)
                {
                    // Until its first healthy answer a check is starting (the bus before its endpoints run), not failing.
                    LogStarting(logger, name, status, description);
                }
                else if (entry.Status == HealthStatus.Healthy)
                {
                    var seconds = (now - before.Since).TotalSeconds;
                    LogHealthyAgain(logger, name, seconds);
                }
                else
                {
                    LogNotHealthy(logger, name, status, description);
                }
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Health check {Check} is {Status}: {Description}")]
    private static partial void LogNotHealthy(ILogger logger, string check, string status, string description);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Health check {Check} is healthy again after {Seconds:0.0} s")]
    private static partial void LogHealthyAgain(ILogger logger, string check, double seconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Health check {Check} is {Status} while the service starts: {Description}")]
    private static partial void LogStarting(ILogger logger, string check, string status, string description);
}

public static class HealthSetup
{
    public const string ReadyTag = "ready";

    /// <summary>A check whose data the health endpoints show (only ours, and only what an anonymous probe may read).</summary>
    public const string ShowsDataTag = "shows-data";

    public static IServiceCollection AddPlatformHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<LedgerHealthCheck>("postgresql", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5));
        services.AddSingleton<HealthTransitions>();
        return services;
    }

    public static void MapPlatformHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).AllowAnonymous();
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.RequestServices.GetRequiredService<HealthTransitions>().Observe(report);
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = Lower(report.Status),
            checks = report.Entries.ToDictionary(e => e.Key, e => Entry(e.Value)),
        }, cancellationToken: context.RequestAborted);
    }

    /// <summary>
    /// A check's status and description, and its data only when the check is tagged <see cref="ShowsDataTag"/>: the
    /// probes are anonymous, and MassTransit's check lists every endpoint's broker address in its data.
    /// </summary>
    private static Dictionary<string, object?> Entry(HealthReportEntry entry)
    {
        var shown = new Dictionary<string, object?> { ["status"] = Lower(entry.Status), ["description"] = entry.Description };
        if (entry.Tags.Contains(ShowsDataTag))
        {
            shown["data"] = entry.Data;
        }

        return shown;
    }

    internal static string Lower(HealthStatus status) => status.ToString().ToLowerInvariant();
}
