using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// Between the load scenarios and the inquiry: scenarios 2-4 leave notices to deliver (two per disclosure) and
/// events for Audit to chain. An inquiry is timed on a platform that has caught up, as it would be hours later.
/// (How fast Notification drains a backlog is measured in scenario 2, right after its saturated phase.)
/// </summary>
public static class Settle
{
    private const string Scenario = "2 intake over bus";
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(Platform platform, Report report)
    {
        Console.WriteLine("== settling: pending notices delivered, the chain caught up, the platform at rest");
        await using var ledger = platform.Ledger();
        var pendingAtStart = await PendingAsync(ledger);
        var clock = Stopwatch.StartNew();
        long pending = pendingAtStart;
        long behind = await ChainBehindAsync(ledger);
        while ((pending > 0 || behind > 0) && clock.Elapsed < Limit)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            pending = await PendingAsync(ledger);
            behind = await ChainBehindAsync(ledger);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        if (pending > 0 || behind > 0)
        {
            report.Add(new Figure(Scenario, "not settled before the inquiry", seconds, "s",
                Note: $"{pending:#,0} notices pending, chain {behind:#,0} events behind after {Limit.TotalMinutes:0} min"));
        }

        await QuietAsync(platform, report);
    }

    /// <summary>Cores the platform may use together, at rest, for the inquiry to begin (idle, the services poll for 0.03 each).</summary>
    private const double QuietCores = 0.3;

    /// <summary>
    /// Then until the platform is at rest: the work the earlier scenarios caused but the two counts above do not see
    /// (cases the breaches raised, their deadlines and notices, the daemons catching up) kept Escalation and
    /// Notification at 0.2-0.5 of a core each through the first seconds of the inquiry, on the two cores its requests
    /// need. A second at a time, until the platform's processes use under <see cref="QuietCores"/> together, for at most a minute.
    /// </summary>
    private static async Task QuietAsync(Platform platform, Report report)
    {
        var clock = Stopwatch.StartNew();
        var cores = double.NaN;
        while (clock.Elapsed < TimeSpan.FromMinutes(1))
        {
            var second = new CpuWatch(platform.Options);
            await Task.Delay(TimeSpan.FromSeconds(1));
            cores = second.PlatformCores();
            if (cores < QuietCores)
            {
                return;
            }
        }

        report.Add(new Figure(Scenario, "platform not at rest before the inquiry", Math.Round(cores, 2), "cores",
            Note: "the platform's processes together over the last second, after a minute of waiting"));
    }

    internal static Task<long> PendingAsync(NpgsqlDataSource ledger) =>
        ScalarOrZeroAsync(ledger, "select count(*) from notification.mt_doc_notice where data->>'Status' = 'pending' and (data->>'NextAttemptAt')::timestamptz <= now()");

    internal static Task<long> ChainBehindAsync(NpgsqlDataSource ledger) =>
        ScalarOrZeroAsync(ledger, "select greatest(0, (select coalesce(max(seq_id), 0) from ledger.mt_events) - (select coalesce(max(sequence), 0) from audit.chain) - 50)");

    /// <summary>Zero when the service's tables are not there (the service never ran): nothing to wait for.</summary>
    private static async Task<long> ScalarOrZeroAsync(NpgsqlDataSource ledger, string sql)
    {
        try
        {
            await using var command = ledger.CreateCommand(sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return 0;
        }
    }
}
