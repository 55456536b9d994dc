using System.Globalization;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AuditPlatform.Audit.Ledger;

/// <summary>
/// Where Audit's read-only questions (events, export, timeline, the stream search, exposure) are answered:
/// <c>ConnectionStrings:LedgerRead</c> when it is set, typically a standby (<c>Target Session Attributes=prefer-standby</c>),
/// otherwise the ledger's own data source, so without the setting nothing changes. The chain follower, checkpoints,
/// proofs, verification, evidence packs and the access log stay on the ledger's connection: they write, or they must
/// read the chain and the rows it covers at one point in time.
/// </summary>
public static class LedgerRead
{
    /// <summary>The service key of the read <see cref="NpgsqlDataSource"/> and of the <see cref="LedgerRows"/> over it.</summary>
    public const string Key = "ledger-read";

    public static IServiceCollection AddLedgerRead(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("LedgerRead");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddKeyedSingleton<NpgsqlDataSource>(Key, (sp, _) => sp.GetRequiredService<NpgsqlDataSource>());
        }
        else
        {
            services.AddKeyedSingleton(Key, (_, _) => new NpgsqlDataSourceBuilder(LedgerSetup.Tuned(connectionString, AuditService.Name + "-read", StatementPlans.PerCall)) { Name = AuditService.Name + "-read" }.Build());
        }

        services.AddKeyedSingleton(Key, (sp, key) => new LedgerRows(sp.GetRequiredKeyedService<NpgsqlDataSource>(key)));
        services.AddHealthChecks().Add(new HealthCheckRegistration("ledger-read",
            sp => new LedgerReadHealthCheck(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredKeyedService<NpgsqlDataSource>(Key), Separate(configuration)),
            failureStatus: null, tags: [HealthSetup.ReadyTag], timeout: TimeSpan.FromSeconds(5)));
        return services;
    }

    /// <summary>Whether reads have their own connection (the setting is present).</summary>
    public static bool Separate(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration.GetConnectionString("LedgerRead"));
}

/// <summary>
/// How far the read connection is behind the ledger, on <c>/health/ready</c> as the witnesses' standing is: the bytes of
/// write-ahead log the standby has not replayed yet (the primary's position minus its replay position) and the age of the
/// last transaction it replayed while it is behind. Degraded when the read connection cannot be reached (reads then fail
/// over to the primary where the connection string allows it); never unhealthy, since the ledger's own check says whether
/// Audit can work at all.
/// </summary>
public sealed class LedgerReadHealthCheck(NpgsqlDataSource ledger, NpgsqlDataSource read, bool separate) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!separate)
        {
            return HealthCheckResult.Healthy("Reads use the ledger's connection.");
        }

        try
        {
            await using var standby = read.CreateCommand("""
                select pg_is_in_recovery(), inet_server_port(), pg_last_wal_replay_lsn()::text,
                       extract(epoch from now() - pg_last_xact_replay_timestamp())::float8
                """);
            await using var reader = await standby.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var inRecovery = reader.GetBoolean(0);
            var port = reader.IsDBNull(1) ? null : reader.GetInt32(1).ToString(CultureInfo.InvariantCulture);
            if (!inRecovery)
            {
                return HealthCheckResult.Healthy($"Reads go to a primary (port {port}): no replay lag.",
                    new Dictionary<string, object> { ["standby"] = false, ["replayLagBytes"] = 0L });
            }

            var replayed = reader.GetString(2);
            var sinceReplay = reader.IsDBNull(3) ? (double?)null : reader.GetDouble(3);
            await reader.CloseAsync();

            await using var primary = ledger.CreateCommand("select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint");
            primary.Parameters.AddWithValue(replayed);
            var behind = Math.Max(0L, (long)(await primary.ExecuteScalarAsync(cancellationToken))!);
            // A standby that has replayed everything has no lag, however long ago the last write was.
            var seconds = behind == 0 ? 0 : sinceReplay ?? 0;
            return HealthCheckResult.Healthy(
                string.Create(CultureInfo.InvariantCulture, $"Reads go to a standby (port {port}), {behind} bytes and {seconds:0.000} s behind the primary."),
                new Dictionary<string, object> { ["standby"] = true, ["replayLagBytes"] = behind, ["replayLagSeconds"] = seconds });
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Degraded("The read connection cannot be used: " + e.Message);
        }
    }
}
