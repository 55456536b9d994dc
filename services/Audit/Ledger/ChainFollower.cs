using System.Security.Cryptography;
using AuditPlatform.Audit.Chain;
using AuditPlatform.ServiceDefaults.Ledger;
using Marten;
using Npgsql;

namespace AuditPlatform.Audit.Ledger;

/// <summary>Audit's settings: how often a checkpoint is signed, and with which key.</summary>
public sealed class AuditOptions
{
    public int CheckpointEvery { get; set; } = 1000;

    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public string? SigningKeyFile { get; set; }

    public string? SigningKey { get; set; }

    public ECDsa LoadKey()
    {
        var pem = SigningKey ?? (SigningKeyFile is null ? null : File.ReadAllText(SigningKeyFile))
            ?? throw new InvalidOperationException("Audit:SigningKeyFile or Audit:SigningKey must hold an ECDSA P-256 PEM key.");
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key;
    }
}

/// <summary>
/// Follows the ledger's high-water mark in global-sequence order: each new event gets its leaf hash and chain hash
/// in <c>audit.chain</c>; every <c>CheckpointEvery</c> events or <c>CheckpointInterval</c> a Merkle root over the
/// whole chain is signed, stored and appended to the ledger as <c>checkpoint_signed</c>.
/// </summary>
public sealed partial class ChainFollower(
    NpgsqlDataSource dataSource, IDocumentStore store, AuditOptions options, TimeProvider clock, ILogger<ChainFollower> logger) : BackgroundService
{
    private readonly ECDsa key = options.LoadKey();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastCheckpoint = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var added = await FollowAsync(stoppingToken);
                var (size, checkpointed) = await SizesAsync(stoppingToken);
                if (size > checkpointed && (size - checkpointed >= options.CheckpointEvery || clock.GetUtcNow() - lastCheckpoint >= options.CheckpointInterval))
                {
                    await CheckpointAsync(stoppingToken);
                    lastCheckpoint = clock.GetUtcNow();
                }

                if (added == 0)
                {
                    await Task.Delay(options.PollInterval, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                FollowFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    /// <summary>Chains the next batch of events below the high-water mark; returns how many.</summary>
    public async Task<int> FollowAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long position = 0, sequence = 0;
        var previous = LeafEncoding.Genesis;
        await using (var last = new NpgsqlCommand("select position, sequence, chain_hash from audit.chain order by position desc limit 1", connection))
        await using (var reader = await last.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                position = reader.GetInt64(0);
                sequence = reader.GetInt64(1);
                previous = reader.GetFieldValue<byte[]>(2);
            }
        }

        var events = new List<LedgerEvent>();
        await using (var next = new NpgsqlCommand(
            "select seq_id, id, stream_id, version, type, timestamp, data::text from ledger.mt_events where seq_id > $1 and seq_id <= " +
            "coalesce((select last_seq_id from ledger.mt_event_progression where name = 'HighWaterMark'), 0) order by seq_id limit 2000", connection))
        {
            next.Parameters.AddWithValue(sequence);
            await using var reader = await next.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add(LedgerRows.Read(reader));
            }
        }

        if (events.Count == 0)
        {
            return 0;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var writer = await connection.BeginBinaryImportAsync(
            "copy audit.chain (position, sequence, event_id, leaf_hash, chain_hash) from stdin (format binary)", cancellationToken))
        {
            foreach (var e in events)
            {
                var leaf = LeafEncoding.LeafHash(e);
                previous = LeafEncoding.ChainHash(previous, leaf);
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(++position, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(e.Sequence, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(e.Id, NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken);
                await writer.WriteAsync(leaf, NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
                await writer.WriteAsync(previous, NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return events.Count;
    }

    /// <summary>Signs a checkpoint over the whole chain as it stands, stores it and appends it to the ledger.</summary>
    public async Task<SignedCheckpoint?> CheckpointAsync(CancellationToken cancellationToken)
    {
        var (leaves, lastSequence) = await ChainStore.LeavesAsync(dataSource, long.MaxValue, cancellationToken);
        if (leaves.Count == 0)
        {
            return null;
        }

        var checkpoint = CheckpointSignature.Sign(key, lastSequence, Hex.Of(Merkle.Root(leaves)), clock.GetUtcNow());
        await using (var insert = dataSource.CreateCommand(
            "insert into audit.checkpoints (sequence, size, root, signed_at, signature, public_key) values ($1, $2, $3, $4, $5, $6) on conflict do nothing"))
        {
            insert.Parameters.AddWithValue(checkpoint.Sequence);
            insert.Parameters.AddWithValue((long)leaves.Count);
            insert.Parameters.AddWithValue(checkpoint.Root);
            insert.Parameters.AddWithValue(checkpoint.SignedAt);
            insert.Parameters.AddWithValue(checkpoint.Signature);
            insert.Parameters.AddWithValue(checkpoint.PublicKey);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }

        await using var session = store.LightweightSession();
        session.Events.StartStream(StreamKey.For(StreamKinds.Checkpoint, checkpoint.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new CheckpointSigned(checkpoint.Sequence, leaves.Count, checkpoint.Root, checkpoint.SignedAt, checkpoint.Signature, checkpoint.PublicKey, checkpoint.SignedAt));
        await session.SaveChangesAsync(cancellationToken);
        return checkpoint;
    }

    private async Task<(long Size, long Checkpointed)> SizesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select coalesce((select max(position) from audit.chain), 0), coalesce((select max(size) from audit.checkpoints), 0)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The chain follower failed; it retries.")]
    private static partial void FollowFailed(ILogger logger, Exception exception);

    public override void Dispose()
    {
        key.Dispose();
        base.Dispose();
    }
}

/// <summary>Stored event: a checkpoint was signed (ledger name <c>checkpoint_signed</c>).</summary>
public sealed record CheckpointSigned(long Sequence, long Size, string Root, DateTimeOffset SignedAt, string Signature, string PublicKey, DateTimeOffset OccurredAt);
