using System.Diagnostics.Metrics;
using System.Globalization;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;
using Npgsql;

namespace AuditPlatform.Audit.Witnesses;

/// <summary>What one witness made of the latest checkpoint in a round.</summary>
public sealed record WitnessOutcome(string Witness, long Size, bool Cosigned, int Status, string Detail, bool Fork);

/// <summary>
/// Sends each new checkpoint to every configured witness (C2SP tlog-witness <c>add-checkpoint</c>), with the RFC 6962
/// consistency proof from the size the witness last cosigned, taken from the stored tree. A cosignature that verifies
/// with the witness's configured key is kept beside the checkpoint (the checkpoint's note then carries it, and so does
/// every evidence pack) and recorded in the ledger as <c>checkpoint_cosigned</c>; a refusal is recorded as
/// <c>witness_refused</c>, logged as an error, counted, and turns the service's health to degraded when it points at
/// a fork. A witness that cannot be reached is tried again next round. Only the replica holding the round's advisory
/// lock sends, so a witness never sees two replicas race.
/// </summary>
public sealed partial class WitnessRounds(
    NpgsqlDataSource dataSource, IDocumentStore store, AuditOptions options, IWitnessTransport transport, TimeProvider clock, PlatformMetrics metrics,
    ILogger<WitnessRounds> logger) : BackgroundService
{
    private const string TakeRoundLock = "select pg_try_advisory_xact_lock(hashtextextended('auditplatform.audit.witnesses', 0))";
    private const int MaxReason = 500;

    private readonly Counter<long> cosignatures = metrics.Meter.CreateCounter<long>("audit.witness.cosignatures", "{cosignature}", "Checkpoint cosignatures received, by witness.");
    private readonly Counter<long> refusals = metrics.Meter.CreateCounter<long>("audit.witness.refusals", "{refusal}", "Checkpoints a witness refused, by witness and whether it points at a fork.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Witnesses.Count == 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await transport.PrepareAsync(stoppingToken);
                await RunAsync(stoppingToken);
                await Task.Delay(options.WitnessInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or Marten.Exceptions.MartenException)
            {
                RoundFailed(logger, e);
                await Task.Delay(options.WitnessInterval, clock, stoppingToken);
            }
        }
    }

    /// <summary>One round: the latest checkpoint to every witness that has not answered it yet. Empty when another replica leads or nothing is new.</summary>
    public async Task<IReadOnlyList<WitnessOutcome>> RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lead = new NpgsqlCommand(TakeRoundLock, connection))
        {
            if (!(bool)(await lead.ExecuteScalarAsync(cancellationToken))!)
            {
                return [];
            }
        }

        if (await LatestAsync(connection, cancellationToken) is not { } latest)
        {
            return [];
        }

        var outcomes = new List<WitnessOutcome>();
        foreach (var witness in options.Witnesses)
        {
            if (await AnsweredAsync(connection, witness.Name, latest.Size, cancellationToken) is not { } cosignedBefore)
            {
                continue;
            }

            if (await SubmitAsync(connection, witness, latest, cosignedBefore, cancellationToken) is { } outcome)
            {
                outcomes.Add(outcome);
            }
        }

        if (outcomes.Count > 0)
        {
            await RecordAsync(connection, transaction, latest, outcomes, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var outcome in outcomes)
        {
            Report(outcome);
        }

        return outcomes;
    }

    /// <summary>The latest checkpoint: its sequence, size, root and the note as the log signed it (without cosignatures).</summary>
    private static async Task<(long Sequence, long Size, byte[] Root, string Note)?> LatestAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select sequence, size, root, note from audit.checkpoints where note is not null order by size desc limit 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || !Hex.TryParse(reader.GetString(2), out var root))
        {
            return null;
        }

        return (reader.GetInt64(0), reader.GetInt64(1), root, reader.GetString(3));
    }

    /// <summary>Null when the witness already answered this size; otherwise the largest size it cosigned (0 when none).</summary>
    private static async Task<long?> AnsweredAsync(NpgsqlConnection connection, string witness, long size, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "select exists (select 1 from audit.witness_outcomes where witness = $1 and size = $2), coalesce((select max(size) from audit.witness_outcomes where witness = $1 and cosigned), 0)",
            connection);
        command.Parameters.AddWithValue(witness);
        command.Parameters.AddWithValue(size);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetBoolean(0) ? null : reader.GetInt64(1);
    }

    private async Task<WitnessOutcome?> SubmitAsync(
        NpgsqlConnection connection, WitnessEndpoint witness, (long Sequence, long Size, byte[] Root, string Note) latest, long oldSize, CancellationToken cancellationToken)
    {
        // A witness that lost its record of us, or was restored from a backup, tells us the size it holds (409 with a
        // text/x.tlog.size body): one retry from that size, when it is a checkpoint this log signed.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var proof = oldSize == 0 || oldSize == latest.Size
                ? []
                : await TreeNodes.RangeRootsAsync(connection, MerkleRanges.ConsistencyRanges(oldSize, latest.Size), cancellationToken);
            var body = new AddCheckpoint(oldSize, proof, latest.Note).Format();
            if (await transport.SendAsync(witness, body, cancellationToken) is not { } reply)
            {
                return null;
            }

            var (status, answer) = (reply.Status, reply.Body);
            if (status is >= 200 and < 300)
            {
                var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Where(l => l.StartsWith(CheckpointNote.SignaturePrefix + witness.Name + " ", StringComparison.Ordinal)).Select(l => l + "\n").ToList();
                var cosigned = Cosignature.Append(latest.Note, lines);
                return Cosignature.Verify(cosigned, witness.VerifierKey) is not null
                    ? new WitnessOutcome(witness.Name, latest.Size, true, status, string.Concat(lines), false)
                    : new WitnessOutcome(witness.Name, latest.Size, false, status, "the witness answered no cosignature that verifies with its configured key", false);
            }

            if (status == StatusCodes.Status409Conflict && reply.MediaType == AddCheckpoint.SizeMediaType
                && CheckpointNote.TryParseSize(answer.TrimEnd('\n'), out var held))
            {
                // Size 0: the witness has no record of this log (new, or its state was lost): start it afresh.
                if (attempt == 0 && held != oldSize && held <= latest.Size && (held == 0 || await SignedSizeAsync(connection, held, cancellationToken)))
                {
                    oldSize = held;
                    continue;
                }

                return new WitnessOutcome(witness.Name, latest.Size, false, status,
                    $"the witness has cosigned a tree of size {held.ToString(CultureInfo.InvariantCulture)}, which this log cannot prove it extends: it may have been shown another history",
                    held > latest.Size || (held != 0 && !await SignedSizeAsync(connection, held, cancellationToken)));
            }

            if (status >= 500)
            {
                WitnessFailed(logger, witness.Name, status);
                return null;
            }

            var reason = answer.Trim();
            return new WitnessOutcome(witness.Name, latest.Size, false, status, reason.Length > MaxReason ? reason[..MaxReason] : reason,
                status is StatusCodes.Status409Conflict or StatusCodes.Status422UnprocessableEntity);
        }

        return null;
    }

    private static async Task<bool> SignedSizeAsync(NpgsqlConnection connection, long size, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select exists (select 1 from audit.checkpoints where size = $1)", connection);
        command.Parameters.AddWithValue(size);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The outcomes beside the checkpoint and in the ledger, in the round's transaction.</summary>
    private async Task RecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, (long Sequence, long Size, byte[] Root, string Note) latest, List<WitnessOutcome> outcomes,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var o in outcomes)
        {
            var insert = new NpgsqlBatchCommand(
                "insert into audit.witness_outcomes (witness, size, sequence, cosigned, status, detail, fork, at) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing");
            foreach (var value in new object[] { o.Witness, o.Size, latest.Sequence, o.Cosigned, o.Status, o.Detail, o.Fork, now })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            batch.BatchCommands.Add(insert);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction));
        var stream = StreamKey.For(StreamKinds.Checkpoint, latest.Sequence.ToString(CultureInfo.InvariantCulture));
        session.Events.Append(stream, [.. outcomes.Select(o => o.Cosigned
            ? (object)new CheckpointCosigned(latest.Sequence, o.Size, o.Witness, o.Detail, now, now)
            : new WitnessRefused(latest.Sequence, o.Size, o.Witness, o.Status, o.Detail, o.Fork, now))]);
        await session.SaveChangesAsync(cancellationToken);
    }

    private void Report(WitnessOutcome outcome)
    {
        var tags = new KeyValuePair<string, object?>[] { new("witness", outcome.Witness), new("fork", outcome.Fork) };
        if (outcome.Cosigned)
        {
            cosignatures.Add(1, tags[0]);
            Cosigned(logger, outcome.Witness, outcome.Size);
        }
        else if (outcome.Fork)
        {
            refusals.Add(1, tags);
            ForkSuspected(logger, outcome.Witness, outcome.Size, outcome.Status, outcome.Detail);
        }
        else
        {
            refusals.Add(1, tags);
            Refused(logger, outcome.Witness, outcome.Size, outcome.Status, outcome.Detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Witness {Witness} cosigned the checkpoint of size {Size}")]
    private static partial void Cosigned(ILogger logger, string witness, long size);

    [LoggerMessage(Level = LogLevel.Critical, Message = "FORK SUSPECTED: witness {Witness} refused the checkpoint of size {Size} (HTTP {Status}): {Reason}. " +
        "The witness holds a history this log no longer shows; compare its state with /audit/checkpoints and run auditctl verify.")]
    private static partial void ForkSuspected(ILogger logger, string witness, long size, int status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Witness {Witness} refused the checkpoint of size {Size} (HTTP {Status}): {Reason}")]
    private static partial void Refused(ILogger logger, string witness, long size, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Witness {Witness} failed (status {Status}); the checkpoint is sent again next round")]
    private static partial void WitnessFailed(ILogger logger, string witness, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A witness round failed; it is tried again")]
    private static partial void RoundFailed(ILogger logger, Exception exception);
}
