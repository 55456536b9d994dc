using System.Net.Http.Json;
using System.Security.Cryptography;
using Npgsql;
using Xunit;

namespace AuditPlatform.Testing;

/// <summary>
/// One throwaway PostgreSQL database and one RabbitMQ vhost per test class, so classes never see each
/// other's streams or queues; both are dropped afterwards. Also holds the keys the hosted services use.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    private readonly string name = "t_" + Guid.NewGuid().ToString("N")[..16];

    public PlatformServers Servers { get; private set; } = null!;

    /// <summary>Connection string (superuser) to this fixture's own database.</summary>
    public string Database { get; private set; } = null!;

    /// <summary>AMQP address of this fixture's own vhost.</summary>
    public Uri Bus { get; private set; } = null!;

    public string VirtualHost => name;

    public byte[] SigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    public byte[] FingerprintKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The key Notification seals webhook secrets with.</summary>
    public byte[] WebhookSecretKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The Audit service's checkpoint signing key (ECDSA P-256, PKCS#8 PEM).</summary>
    public string CheckpointKeyPem { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    /// <summary>The settings every hosted service gets, pointing at this fixture's database and vhost.</summary>
    public IReadOnlyDictionary<string, string?> ServiceSettings => new Dictionary<string, string?>
    {
        ["ConnectionStrings:Ledger"] = Database,
        ["ConnectionStrings:Bus"] = Bus.ToString(),
        ["Auth:SigningKey"] = Convert.ToBase64String(SigningKey),
        ["Intake:FingerprintKey"] = Convert.ToBase64String(FingerprintKey),
        ["Notification:SecretKey"] = Convert.ToBase64String(WebhookSecretKey),
        ["Audit:SigningKey"] = CheckpointKeyPem,
    };

    /// <summary>
    /// The settings one service gets (by name: <c>escalation</c>, case ignored): <see cref="ServiceSettings"/>, and for
    /// Escalation alone the repository's escalation policy, as deploy/local/lib.sh hands it out.
    /// </summary>
    public IReadOnlyDictionary<string, string?> SettingsFor(string service)
    {
        var settings = new Dictionary<string, string?>(ServiceSettings);
        if (string.Equals(service, "escalation", StringComparison.OrdinalIgnoreCase))
        {
            settings["ESCALATION_POLICY"] = RepositoryFile("deploy/policy/escalation.json");
        }

        return settings;
    }

    public virtual async Task InitializeAsync()
    {
        Servers = await PlatformServers.GetAsync();
        await using (var admin = new NpgsqlConnection(Servers.PostgresAdmin))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", admin);
            await create.ExecuteNonQueryAsync();
        }

        Database = new NpgsqlConnectionStringBuilder(Servers.PostgresAdmin) { Database = name, Pooling = true, MaxPoolSize = 40 }.ConnectionString;

        using var management = Servers.ManagementClient();
        (await management.PutAsJsonAsync($"vhosts/{name}", new { description = "test" })).EnsureSuccessStatusCode();
        (await management.PutAsJsonAsync($"permissions/{name}/{Uri.EscapeDataString(Servers.AmqpUser)}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        Bus = new UriBuilder(Servers.Amqp) { Path = "/" + name }.Uri;
    }

    public virtual async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(Servers.PostgresAdmin))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop database if exists {name} with (force)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        using var management = Servers.ManagementClient();
        await management.DeleteAsync($"vhosts/{name}");
    }

    public string Token(string role, string? partner = null, TimeSpan? lifetime = null) => DevTokens.Mint(SigningKey, role, partner, lifetime);

    /// <summary>A file of the repository, found by walking up from the test binaries.</summary>
    public static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Not found above the test binaries: " + relative);
    }
}
