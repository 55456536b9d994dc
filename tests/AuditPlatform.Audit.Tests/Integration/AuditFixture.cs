using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.Audit.Witnesses;
using AuditPlatform.Intake;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>Intake (to produce real ledger events) and Audit on one database and vhost.</summary>
public class AuditFixture : PlatformFixture
{
    /// <summary>The origin the fixture's Audit signs checkpoint notes under.</summary>
    public const string Origin = "tests.auditplatform.local/ledger";

    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private readonly NSec.Cryptography.Key noteKey = NSec.Cryptography.Key.Create(
        NSec.Cryptography.SignatureAlgorithm.Ed25519, new() { ExportPolicy = NSec.Cryptography.KeyExportPolicies.AllowPlaintextExport });

    public ServiceHost<IntakeApp> Intake { get; private set; } = null!;

    public ServiceHost<AuditApp> Audit { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Compliance { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public string PublicKey => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    /// <summary>The note verifier key of the fixture's Audit, computed here from its key, not asked of the service.</summary>
    public string VerifierKey => AuditPlatform.Audit.Chain.CheckpointNote.VerifierKey(Origin, noteKey.PublicKey);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Intake = new ServiceHost<IntakeApp>(this);
        Audit = AnotherAudit();
        Admin = Intake.ClientFor(Roles.Admin);
        Compliance = Audit.ClientFor(Roles.Compliance);
        await Eventually.TrueAsync(async () => (await Admin.GetAsync("/health/ready")).IsSuccessStatusCode, "Intake to be ready");
        await Eventually.TrueAsync(async () => (await Compliance.GetAsync("/health/ready")).IsSuccessStatusCode, "Audit to be ready");
        Probe = await BusProbe.ConnectAsync(Bus);
    }

    /// <summary>An Audit replica on the fixture's database with the same key; the fixture's own is <see cref="Audit"/>.</summary>
    public ServiceHost<AuditApp> AnotherAudit(int checkpointEvery = 1_000_000) => new(this, AuditSettings(checkpointEvery));

    /// <summary>Audit's own settings on top of the fixture's database and bus.</summary>
    public Dictionary<string, string?> AuditSettings(int checkpointEvery = 1_000_000) => new()
    {
        ["Audit:SigningKey"] = key.ExportPkcs8PrivateKeyPem(),
        ["Audit:NoteKey"] = System.Text.Encoding.ASCII.GetString(noteKey.Export(NSec.Cryptography.KeyBlobFormat.PkixPrivateKeyText)),
        ["Audit:Origin"] = Origin,
        ["Audit:CheckpointEvery"] = checkpointEvery.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Audit:CheckpointInterval"] = "01:00:00",
        ["Audit:PollInterval"] = "00:00:00.020",
    };

    public override async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Audit.DisposeAsync();
        await Intake.DisposeAsync();
        key.Dispose();
        noteKey.Dispose();
        await base.DisposeAsync();
    }

    public async Task RegisterAsync(string code)
    {
        var response = await Admin.PutAsJsonAsync($"/partners/{code}", new { name = code + " agency", country = "United States", channel = new { kind = "bus" } });
        response.EnsureSuccessStatusCode();
    }

    public Task SuspendAsync(string code, DateTimeOffset occurredAt) => Probe.PublishRawAsync("SuspendSharing",
        JsonSerializer.Serialize(new { partner = code, by = "Home Office", reason = "photographs leaked", occurredAt }), Guid.NewGuid(), Token(Roles.Operator));

    public Task RestoreAsync(string code, DateTimeOffset occurredAt) => Probe.PublishRawAsync("RestoreSharing",
        JsonSerializer.Serialize(new { partner = code, by = "Home Office", reason = "assurance received", occurredAt }), Guid.NewGuid(), Token(Roles.Operator));

    public Task<long> LastSequenceAsync() => ScalarAsync("select coalesce(max(seq_id), 0) from ledger.mt_events");

    /// <summary>
    /// Waits until the chain covers the ledger, then signs a checkpoint over it; returns the sequence of its last leaf.
    /// Signing answers nothing while another replica's follower holds the chain's lock, so it is tried until a
    /// checkpoint covers the ledger's end (signed now, or already there).
    /// </summary>
    public async Task<long> CheckpointAsync()
    {
        var last = await LastSequenceAsync();
        await Eventually.TrueAsync(async () => await ChainedUpToAsync() >= last, "the chain to reach the ledger's end");
        var follower = Audit.Services.GetRequiredService<ChainFollower>();
        long signed = 0;
        await Eventually.TrueAsync(async () =>
        {
            signed = (await follower.CheckpointAsync(CancellationToken.None))?.Sequence ?? await ScalarAsync("select coalesce(max(sequence), 0) from audit.checkpoints");
            return signed >= last;
        }, "a checkpoint over the ledger's end");
        return signed;
    }

    /// <summary>
    /// Waits until both services' daemons (Intake's and Audit's) have held their leadership for <paramref name="tenure"/>,
    /// as on a platform that has been up a while. Each leader holds its lock on a connection of its own, outside any transaction.
    /// </summary>
    public Task DaemonsLeadingForAsync(TimeSpan tenure) => Eventually.TrueAsync(
        async () => await ScalarAsync($"""
            select count(distinct l.pid) from pg_locks l join pg_stat_activity a on a.pid = l.pid
             where l.locktype = 'advisory' and l.granted and a.datname = current_database()
               and a.backend_start < now() - interval '{tenure.TotalSeconds} seconds'
            """) >= 2,
        "both daemons to lead for " + tenure.TotalSeconds + " s", tenure * 4);

    public Task<long> ChainedUpToAsync() => ScalarAsync("select coalesce(max(sequence), 0) from audit.chain");

    /// <summary>
    /// What <paramref name="witness"/> made of the latest checkpoint, whichever round asked it: one run here, or the
    /// service's own round at start-up, which on a slow start can find the checkpoint first (it then holds the round's
    /// lock, or has its answer already, and a round run here sends nothing).
    /// </summary>
    public Task<WitnessOutcome> WitnessedAsync(WitnessRounds rounds, string witness) => Eventually.GetAsync(
        async () => (await rounds.RunAsync(CancellationToken.None)).SingleOrDefault() ?? await RecordedOutcomeAsync(witness),
        $"{witness}'s answer to the latest checkpoint");

    private async Task<WitnessOutcome?> RecordedOutcomeAsync(string witness)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select witness, size, cosigned, status, detail, fork from audit.witness_outcomes where witness = $1 and size = (select max(size) from audit.checkpoints where note is not null)",
            connection);
        command.Parameters.AddWithValue(witness);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new WitnessOutcome(reader.GetString(0), reader.GetInt64(1), reader.GetBoolean(2), reader.GetInt32(3), reader.GetString(4), reader.GetBoolean(5))
            : null;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
