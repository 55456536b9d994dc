using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Npgsql;
using RabbitMQ.Client;

namespace AuditPlatform.Benchmarks;

/// <summary>The running platform as up.sh leaves it: services on 5101-5104 (or AUDIT_INTAKE_PORT, ...), their pids, the ledger and the bus.</summary>
public sealed class Platform(BenchOptions options) : IDisposable
{
    public static readonly IReadOnlyDictionary<string, int> Ports = new Dictionary<string, int>
    {
        ["Intake"] = PortOf("Intake", 5101),
        ["Notification"] = PortOf("Notification", 5102),
        ["Escalation"] = PortOf("Escalation", 5103),
        ["Audit"] = PortOf("Audit", 5104),
    };

    private readonly HttpClient health = new() { Timeout = TimeSpan.FromSeconds(3) };

    public BenchOptions Options { get; } = options;

    /// <summary>One client for load: enough connections for the widest scenario.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>The port up.sh gave the service: its AUDIT_&lt;SERVICE&gt;_PORT setting, else the default.</summary>
    private static int PortOf(string service, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable($"AUDIT_{service.ToUpperInvariant()}_PORT"), CultureInfo.InvariantCulture, out var port) ? port : fallback;

    public static Uri Base(string service) => new($"http://127.0.0.1:{Ports[service]}");

    public async Task<bool> IsUpAsync(string service)
    {
        try
        {
            using var response = await health.GetAsync(new Uri(Base(service), "/health/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public HttpRequestMessage Request(HttpMethod method, string service, string path, string role, object? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(Base(service), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Options.Token(role));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    /// <summary>
    /// Registers bench partners over HTTP with the admin token; registering again is harmless. Their channel is the bus
    /// unless <paramref name="webhookOf"/> gives a partner a webhook URL.
    /// </summary>
    public async Task RegisterPartnersAsync(IEnumerable<string> codes, Func<string, Uri?>? webhookOf = null)
    {
        foreach (var code in codes)
        {
            var webhook = webhookOf?.Invoke(code);
            object channel = webhook is null ? new { kind = "bus" } : new { kind = "webhook", webhookUrl = webhook };
            using var request = Request(HttpMethod.Put, "Intake", $"/partners/{code}", "admin",
                new { name = "Benchmark partner " + code, country = "ZZ", channel });
            using var response = await Http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"registering {code}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    /// <summary>Resident set size of a process in MB (VmRSS now, or VmHWM: its peak since it started).</summary>
    public static double? MemoryMb(int pid, string field = "VmRSS") => MemoryFieldsMb(pid)?.GetValueOrDefault(field);

    /// <summary>Every kB field of a process's <c>/proc/pid/status</c> (VmRSS, VmHWM, RssFile, RssShmem, RssAnon, ...) in MB, from one read; null when it has ended.</summary>
    public static Dictionary<string, double?>? MemoryFieldsMb(int pid)
    {
        try
        {
            var fields = new Dictionary<string, double?>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3 && parts[2] == "kB" && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var kilobytes))
                {
                    fields[parts[0].TrimEnd(':')] = kilobytes / 1024;
                }
            }

            return fields;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public NpgsqlDataSource Ledger() => NpgsqlDataSource.Create(Options.Ledger);

    /// <summary>The connection factory of the test user on vhost audit, the platform's own vhost.</summary>
    public ConnectionFactory PlatformBus(string name) => new()
    {
        Uri = Options.Bus,
        ClientProvidedName = name,
        AutomaticRecoveryEnabled = false,
    };

    public (string User, string Password) AdminCredentials()
    {
        var parts = Options.BusAdmin.UserInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]));
    }

    /// <summary>A client of RabbitMQ's management API, as the administrator; for the caller to dispose.</summary>
    public HttpClient Management()
    {
        var (user, password) = AdminCredentials();
        return ManagementClient(Options.BusAdmin, user, password);
    }

    internal static HttpClient ManagementClient(Uri admin, string user, string password)
    {
        var client = new HttpClient { BaseAddress = new Uri(admin.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    /// <summary>A throwaway vhost made through the management API, the administrator allowed on it.</summary>
    public async Task<ThrowawayVhost> ThrowawayVhostAsync()
    {
        var name = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var (user, password) = AdminCredentials();
        using var admin = ManagementClient(Options.BusAdmin, user, password);
        (await admin.PutAsJsonAsync($"/api/vhosts/{name}", new { })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync($"/api/permissions/{name}/{Uri.EscapeDataString(user)}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        var factory = new ConnectionFactory
        {
            HostName = Options.Bus.Host,
            Port = Options.Bus.IsDefaultPort ? 5672 : Options.Bus.Port,
            VirtualHost = name,
            UserName = user,
            Password = password,
            ClientProvidedName = "bench-ceiling",
            AutomaticRecoveryEnabled = false,
        };
        return new ThrowawayVhost(name, factory, Options.BusAdmin, user, password);
    }

    public void Dispose()
    {
        health.Dispose();
        Http.Dispose();
    }
}

/// <summary>A vhost that exists for one run and is deleted afterwards.</summary>
public sealed class ThrowawayVhost(string name, ConnectionFactory factory, Uri admin, string user, string password) : IAsyncDisposable
{
    public string Name { get; } = name;

    public ConnectionFactory Factory { get; } = factory;

    public async ValueTask DisposeAsync()
    {
        using var client = Platform.ManagementClient(admin, user, password);
        using var _ = await client.DeleteAsync($"/api/vhosts/{Name}");
    }
}

/// <summary>A database that exists for one run and is dropped afterwards.</summary>
public sealed class ThrowawayDatabase : IAsyncDisposable
{
    private readonly string admin;

    private ThrowawayDatabase(string admin, string name, string connectionString)
    {
        this.admin = admin;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<ThrowawayDatabase> CreateAsync(BenchOptions options)
    {
        var name = "bench_" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = new NpgsqlConnection(options.PostgresAdmin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var database = new ThrowawayDatabase(options.PostgresAdmin, name, options.AdminConnectionTo(name));
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var table = new NpgsqlCommand(
                "create table ledger_ceiling (seq_id bigserial primary key, stream_id text not null, data jsonb not null, timestamp timestamptz not null default now())",
                connection);
            await table.ExecuteNonQueryAsync();
        }

        return database;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {Name} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
