using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using AuditPlatform.Audit.Chain;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;
using Npgsql;
using NSec.Cryptography;

namespace AuditPlatform.Audit.Ledger;

/// <summary>Audit's settings: how often a checkpoint is signed, with which keys, and under which origin.</summary>
public sealed class AuditOptions
{
    /// <summary>The section <c>Audit</c>, refused with every wrong witness setting named (a witness misconfigured would fail quietly every round).</summary>
    public static AuditOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection("Audit").Get<AuditOptions>() ?? new AuditOptions();
        var problems = options.Witnesses.SelectMany((w, i) => w.Problems(i)).ToList();
        return problems.Count == 0 ? options : throw new InvalidOperationException("The Audit service's witnesses are not configured right: " + string.Join(" ", problems));
    }

    /// <summary>The log's origin, the first line of every checkpoint note and the note key's name: set it per deployment.</summary>
    public string Origin { get; set; } = "auditplatform.local/ledger";

    public int CheckpointEvery { get; set; } = 1000;

    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The witnesses each new checkpoint is sent to for cosigning (C2SP tlog-witness); none by default.</summary>
    public List<Witnesses.WitnessEndpoint> Witnesses { get; set; } = [];

    /// <summary>How often the latest checkpoint is offered to witnesses that have not answered it.</summary>
    public TimeSpan WitnessInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a witness has to answer a request (over HTTP or over the bus) before the round moves on.</summary>
    public TimeSpan WitnessTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many witnesses' cosignatures a checkpoint needs to count as witnessed (default: every configured witness).</summary>
    public int? WitnessQuorum { get; set; }

    /// <summary>Each witness's name and cosignature key, as a verifier configures them.</summary>
    public IReadOnlyList<TrustedWitness> TrustedWitnesses => [.. Witnesses.Select(w => new TrustedWitness(w.Name, w.VerifierKey))];

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

    /// <summary>The Ed25519 note key file (PKCS#8 PEM, as <c>openssl genpkey -algorithm ed25519</c> writes it).</summary>
    public string? NoteKeyFile { get; set; }

    /// <summary>The Ed25519 note key itself (the PEM text), instead of <see cref="NoteKeyFile"/>.</summary>
    public string? NoteKey { get; set; }

    /// <summary>
    /// The Ed25519 key checkpoint notes are signed with. Without <see cref="NoteKeyFile"/> or <see cref="NoteKey"/> it is
    /// derived from the ECDSA key (HKDF-SHA256 of its private scalar), so a deployment that has not provisioned a note key
    /// yet still signs with one stable key on every replica; give it its own key file to keep the two independent.
    /// </summary>
    public Key LoadNoteKey(ECDsa fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        var pem = NoteKey ?? (NoteKeyFile is null ? null : File.ReadAllText(NoteKeyFile));
        if (pem is not null)
        {
            return Key.Import(SignatureAlgorithm.Ed25519, System.Text.Encoding.ASCII.GetBytes(pem.Trim()), KeyBlobFormat.PkixPrivateKeyText);
        }

        var scalar = fallback.ExportParameters(includePrivateParameters: true).D!;
        var seed = HKDF.DeriveKey(HashAlgorithmName.SHA256, scalar, 32, info: "auditplatform checkpoint note key/v1"u8.ToArray());
        return Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
    }
}

/// <summary>
/// Follows the ledger's high-water mark in global-sequence order: each new event gets its leaf hash and chain hash
/// in <c>audit.chain</c> (and completed subtrees in <c>audit.tree_nodes</c>); every <c>CheckpointEvery</c> events or
/// <c>CheckpointInterval</c> a Merkle root over the whole chain is signed, stored and appended to the ledger as
/// <c>checkpoint_signed</c>. Every replica runs one, but only the one holding the leader lock (a PostgreSQL advisory
/// lock taken in the same transaction as its writes) extends the chain or signs; the others wait their turn, so the
/// chain cannot fork and no checkpoint is signed twice (the unique size of a checkpoint backs that up).
/// </summary>
public sealed partial class ChainFollower(
    NpgsqlDataSource dataSource, IDocumentStore store, AuditOptions options, TimeProvider clock, PlatformMetrics metrics, ILogger<ChainFollower> logger) : BackgroundService
{
    /// <summary>What <see cref="FollowAsync"/> answers when another replica holds the leader lock.</summary>
    public const int NotLeader = -1;

    private const string TakeLeaderLock = "select pg_try_advisory_xact_lock(hashtextextended('auditplatform.audit.chain', 0))";
    private const int Batch = 5000;

    private readonly ECDsa key = options.LoadKey();
    private readonly Key noteKey = LoadNoteKey(options);
    private readonly SemaphoreSlim gate = new(1, 1);
    private MerkleRanges.Frontier? frontier;
    private DateTimeOffset? latestSignedAt;

    /// <summary>The age of the newest signed checkpoint, for the <c>audit.checkpoint.age</c> gauge.</summary>
    public TimeSpan? CheckpointAge => latestSignedAt is { } at ? clock.GetUtcNow() - at : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.Meter.CreateObservableGauge(
            "audit.checkpoint.age",
            () => CheckpointAge is { } age ? [new Measurement<double>(age.TotalSeconds, new KeyValuePair<string, object?>("checkpoint", "ledger"))] : Array.Empty<Measurement<double>>(),
            "s",
            "Age of the newest audit checkpoint, by checkpoint chain.");
        var lastCheckpoint = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var added = await FollowAsync(stoppingToken);
                var (size, checkpointed, news) = await SizesAsync(stoppingToken);
                if (added != NotLeader && news && (size - checkpointed >= options.CheckpointEvery || clock.GetUtcNow() - lastCheckpoint >= options.CheckpointInterval))
                {
                    await CheckpointAsync(stoppingToken);
                    lastCheckpoint = clock.GetUtcNow();
                }

                if (added <= 0)
                {
                    await Task.Delay(options.PollInterval, clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or Marten.Exceptions.MartenException)
            {
                FollowFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken);
            }
        }
    }

    /// <summary>Chains the next batch of events below the high-water mark; returns how many, or <see cref="NotLeader"/>.</summary>
    public async Task<int> FollowAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (!await LeadAsync(connection, cancellationToken))
            {
                frontier = null;
                return NotLeader;
            }

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

            var events = new List<LedgerEvent>(Batch);
            await using (var next = new NpgsqlCommand(
                "select seq_id, id, stream_id, version, type, timestamp, data::text from ledger.mt_events where seq_id > $1 and seq_id <= " +
                $"coalesce((select last_seq_id from ledger.mt_event_progression where name = 'HighWaterMark'), 0) order by seq_id limit {Batch}", connection))
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

            var tree = frontier?.Size == position ? frontier : await FrontierAsync(connection, position, cancellationToken);
            frontier = null;
            var leaves = new byte[events.Count][];
            Parallel.For(0, events.Count, i => leaves[i] = LeafEncoding.LeafHash(events[i]));
            var nodes = new List<(Subtree Subtree, byte[] Hash)>();
            await using (var writer = await connection.BeginBinaryImportAsync(
                "copy audit.chain (position, sequence, event_id, leaf_hash, chain_hash) from stdin (format binary)", cancellationToken))
            {
                for (var i = 0; i < events.Count; i++)
                {
                    previous = LeafEncoding.ChainHash(previous, leaves[i]);
                    tree.Append(leaves[i], (subtree, hash) =>
                    {
                        if (TreeNodes.Stored(subtree.Level))
                        {
                            nodes.Add((subtree, hash));
                        }
                    });
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(++position, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(events[i].Sequence, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(events[i].Id, NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken);
                    await writer.WriteAsync(leaves[i], NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
                    await writer.WriteAsync(previous, NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
                }

                await writer.CompleteAsync(cancellationToken);
            }

            await WriteNodesAsync(connection, nodes, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            frontier = tree;
            return events.Count;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Signs a checkpoint over the whole chain as it stands, stores it and appends it to the ledger; null when there is nothing new or another replica leads.</summary>
    public async Task<SignedCheckpoint?> CheckpointAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (!await LeadAsync(connection, cancellationToken))
            {
                return null;
            }

            long size, lastSequence;
            await using (var last = new NpgsqlCommand(
                "select position, sequence, exists (select 1 from audit.checkpoints k where k.size = c.position) from audit.chain c order by position desc limit 1", connection))
            await using (var reader = await last.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken) || reader.GetBoolean(2))
                {
                    return null;
                }

                size = reader.GetInt64(0);
                lastSequence = reader.GetInt64(1);
            }

            var tree = frontier?.Size == size ? frontier : await FrontierAsync(connection, size, cancellationToken);
            // The note (C2SP tlog-checkpoint) is what a verifier checks; the ECDSA statement is still signed beside it so
            // consumers of CheckpointSigned and older auditctl builds keep verifying.
            var root = tree.Root();
            var checkpoint = CheckpointSignature.Sign(key, lastSequence, Hex.Of(root), clock.GetUtcNow()) with
            {
                Size = size,
                Note = CheckpointNote.Sign(noteKey, options.Origin, CheckpointNote.Text(options.Origin, size, root)),
                VerifierKey = CheckpointNote.VerifierKey(options.Origin, noteKey.PublicKey),
            };
            await using (var insert = new NpgsqlCommand(
                "insert into audit.checkpoints (sequence, size, root, signed_at, signature, public_key, note, verifier_key) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing",
                connection))
            {
                insert.Parameters.AddWithValue(checkpoint.Sequence);
                insert.Parameters.AddWithValue(size);
                insert.Parameters.AddWithValue(checkpoint.Root);
                insert.Parameters.AddWithValue(checkpoint.SignedAt);
                insert.Parameters.AddWithValue(checkpoint.Signature);
                insert.Parameters.AddWithValue(checkpoint.PublicKey);
                insert.Parameters.AddWithValue(checkpoint.Note);
                insert.Parameters.AddWithValue(checkpoint.VerifierKey);
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return null;
                }
            }

            // The checkpoint row and its ledger event commit together: a replica that dies between the two can neither
            // leave a stored checkpoint the ledger never recorded nor let another replica sign the same size again.
            await using (var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction)))
            {
                session.Events.StartStream(StreamKey.For(StreamKinds.Checkpoint, checkpoint.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new CheckpointSigned(checkpoint.Sequence, size, checkpoint.Root, checkpoint.SignedAt, checkpoint.Signature, checkpoint.PublicKey, checkpoint.SignedAt,
                        checkpoint.Note, checkpoint.VerifierKey));
                await session.SaveChangesAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            latestSignedAt = checkpoint.SignedAt;
            return checkpoint;
        }
        finally
        {
            gate.Release();
        }
    }

    private static Key LoadNoteKey(AuditOptions options)
    {
        using var fallback = options.LoadKey();
        return options.LoadNoteKey(fallback);
    }

    private static async Task<bool> LeadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(TakeLeaderLock, connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The frontier of the stored tree; a chain built before the tree was stored gets its subtrees once, streamed.</summary>
    private static async Task<MerkleRanges.Frontier> FrontierAsync(NpgsqlConnection connection, long size, CancellationToken cancellationToken)
    {
        try
        {
            return await TreeNodes.FrontierAsync(connection, size, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            var tree = new MerkleRanges.Frontier();
            var nodes = new List<(Subtree Subtree, byte[] Hash)>();
            await using (var delete = new NpgsqlCommand("delete from audit.tree_nodes", connection))
            {
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var leaves = new NpgsqlCommand("select leaf_hash from audit.chain where position <= $1 order by position", connection))
            {
                leaves.Parameters.AddWithValue(size);
                await using var reader = await leaves.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    tree.Append(reader.GetFieldValue<byte[]>(0), (subtree, hash) =>
                    {
                        if (TreeNodes.Stored(subtree.Level))
                        {
                            nodes.Add((subtree, hash));
                        }
                    });
                }
            }

            await WriteNodesAsync(connection, nodes, cancellationToken);
            return tree;
        }
    }

    private static async Task WriteNodesAsync(NpgsqlConnection connection, List<(Subtree Subtree, byte[] Hash)> nodes, CancellationToken cancellationToken)
    {
        if (nodes.Count == 0)
        {
            return;
        }

        await using var writer = await connection.BeginBinaryImportAsync("copy audit.tree_nodes (level, idx, hash) from stdin (format binary)", cancellationToken);
        foreach (var (subtree, hash) in nodes)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync((short)subtree.Level, NpgsqlTypes.NpgsqlDbType.Smallint, cancellationToken);
            await writer.WriteAsync(subtree.Index, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(hash, NpgsqlTypes.NpgsqlDbType.Bytea, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// The chain's size, the newest checkpoint's size, and whether anything but checkpoints and their witnessing was
    /// chained since. The chain holds the ledger in order, so "since" is the ledger range between the sequences of the
    /// two chain positions: an index range of the events after the checkpoint, not a join over the whole chain (which
    /// took 228 ms at 69,000 events and grew with the ledger; docs/performance.md).
    /// </summary>
    private async Task<(long Size, long Checkpointed, bool News)> SizesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            with k as (select size, signed_at from audit.checkpoints order by size desc limit 1),
                 top as (select position, sequence from audit.chain order by position desc limit 1)
            select coalesce((select position from top), 0), coalesce((select size from k), 0), (select signed_at from k),
                   exists (select 1 from ledger.mt_events e
                           where e.seq_id > coalesce((select c.sequence from audit.chain c where c.position = (select size from k)), 0)
                             and e.seq_id <= coalesce((select sequence from top), 0)
                             and e.type not in ('checkpoint_signed', 'checkpoint_cosigned', 'witness_refused'))
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        latestSignedAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetBoolean(3));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The chain follower failed; it retries.")]
    private static partial void FollowFailed(ILogger logger, Exception exception);

    public override void Dispose()
    {
        key.Dispose();
        noteKey.Dispose();
        gate.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// Stored event: a checkpoint was signed (ledger name <c>checkpoint_signed</c>). <c>Note</c> and <c>VerifierKey</c> were
/// added with the C2SP signed notes; events stored before it have neither.
/// </summary>
public sealed record CheckpointSigned(
    long Sequence, long Size, string Root, DateTimeOffset SignedAt, string Signature, string PublicKey, DateTimeOffset OccurredAt,
    string? Note = null, string? VerifierKey = null);
