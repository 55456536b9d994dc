using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AuditPlatform.Audit.Witnesses;

/// <summary>A witness's last answer: the checkpoint size, whether it cosigned, the HTTP status, its line or reason, whether it points at a fork.</summary>
public sealed record WitnessAnswerView(long Size, long Sequence, bool Cosigned, int Status, string Detail, bool Fork, DateTimeOffset At);

/// <summary>
/// A configured witness, how it is reached (<c>http</c> at <c>Url</c>, or <c>bus</c> on <c>Queue</c>), and what it last
/// answered (and last cosigned, when that was earlier).
/// </summary>
public sealed record WitnessView(
    string Name, string? Partner, string Transport, string Url, string? Queue, string VerifierKey, WitnessAnswerView? LastAnswer, WitnessAnswerView? LastCosigned);

/// <summary>The witnesses and the latest checkpoint's standing: which witnesses cosigned it, and whether that meets the quorum.</summary>
public sealed record WitnessesView(int Quorum, long? LatestSize, IReadOnlyList<string> LatestCosignedBy, bool LatestWitnessed, IReadOnlyList<WitnessView> Witnesses);

/// <summary><c>/audit/witnesses</c>: who witnesses this log, what each last answered, and whether the latest checkpoint is witnessed.</summary>
public static class WitnessesEndpoint
{
    public static void MapWitnesses(this RouteGroupBuilder audit) =>
        audit.MapGet("/witnesses", Witnesses).AcceptsQuery().WithSummary("The witnesses that cosign checkpoints, their last answers, and whether the latest checkpoint has its quorum.");

    public static async Task<WitnessesView> ReadAsync(NpgsqlDataSource dataSource, AuditOptions options, CancellationToken cancellationToken)
    {
        var last = new Dictionary<string, WitnessAnswerView>(StringComparer.Ordinal);
        var cosigned = new Dictionary<string, WitnessAnswerView>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand("""
            select distinct on (witness, cosigned) witness, size, sequence, cosigned, status, detail, fork, at
            from audit.witness_outcomes order by witness, cosigned, size desc
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var answer = new WitnessAnswerView(reader.GetInt64(1), reader.GetInt64(2), reader.GetBoolean(3), reader.GetInt32(4), reader.GetString(5), reader.GetBoolean(6),
                    reader.GetFieldValue<DateTimeOffset>(7));
                var witness = reader.GetString(0);
                if (answer.Cosigned)
                {
                    cosigned[witness] = answer;
                }

                if (!last.TryGetValue(witness, out var seen) || answer.Size > seen.Size)
                {
                    last[witness] = answer;
                }
            }
        }

        long? latestSize;
        await using (var command = dataSource.CreateCommand("select max(size) from audit.checkpoints"))
        {
            latestSize = await command.ExecuteScalarAsync(cancellationToken) is long size ? size : null;
        }

        var views = options.Witnesses.Select(w => new WitnessView(
            w.Name, w.Partner, w.OverBus ? WitnessEndpoint.Bus : WitnessEndpoint.Http, w.OverBus ? string.Empty : w.Url, w.OverBus ? WitnessBus.QueueFor(w.Partner!) : null, w.VerifierKey,
            last.GetValueOrDefault(w.Name), cosigned.GetValueOrDefault(w.Name))).ToList();
        var latestCosignedBy = views.Where(w => latestSize is not null && w.LastCosigned?.Size == latestSize).Select(w => w.Name).ToList();
        var quorum = Quorum(options);
        return new WitnessesView(quorum, latestSize, latestCosignedBy, latestSize is not null && latestCosignedBy.Count >= quorum, views);
    }

    /// <summary>The cosignatures a checkpoint needs: the setting, or every configured witness.</summary>
    public static int Quorum(AuditOptions options) => options.WitnessQuorum ?? options.Witnesses.Count;

    private static async Task<IResult> Witnesses(NpgsqlDataSource dataSource, AuditOptions options, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ReadAsync(dataSource, options, cancellationToken));
}

/// <summary>
/// Degraded while a witness's last answer points at a fork (it refused a checkpoint because it holds a different history),
/// so the operators' monitoring sees it on <c>/health/ready</c>; healthy otherwise, or when no witness is configured.
/// </summary>
public sealed class WitnessHealthCheck(NpgsqlDataSource dataSource, AuditOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (options.Witnesses.Count == 0)
        {
            return HealthCheckResult.Healthy("No witness is configured.");
        }

        try
        {
            var view = await WitnessesEndpoint.ReadAsync(dataSource, options, cancellationToken);
            var forks = view.Witnesses.Where(w => w.LastAnswer is { Fork: true }).ToList();
            return forks.Count > 0
                ? HealthCheckResult.Degraded("Fork suspected: " + string.Join("; ", forks.Select(w => $"witness {w.Name} refused the checkpoint of size {w.LastAnswer!.Size}: {w.LastAnswer.Detail}")))
                : HealthCheckResult.Healthy($"The latest checkpoint is cosigned by {view.LatestCosignedBy.Count} of {view.Witnesses.Count} witnesses (quorum {view.Quorum}).");
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Degraded("The witnesses' answers cannot be read: " + e.Message);
        }
    }
}
