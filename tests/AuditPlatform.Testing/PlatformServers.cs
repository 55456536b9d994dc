using System.Net.Http.Headers;
using System.Text;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace AuditPlatform.Testing;

/// <summary>
/// The real PostgreSQL and RabbitMQ the tests run against: the servers <c>deploy/local/test.sh</c> started
/// (<c>AUDIT_PG_ADMIN</c>, <c>AUDIT_RABBITMQ</c>, <c>AUDIT_RABBITMQ_ADMIN</c>), or, only where those are not set
/// and a Docker engine answers, containers. Without either, tests fail: they are never skipped.
/// </summary>
public sealed class PlatformServers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PlatformServers? current;

    private PlatformServers(string postgresAdmin, Uri amqp, Uri management)
    {
        PostgresAdmin = postgresAdmin;
        Amqp = amqp;
        Management = management;
    }

    /// <summary>A superuser connection string to the maintenance database.</summary>
    public string PostgresAdmin { get; }

    /// <summary>An AMQP address with user and password; the vhost part is replaced per fixture.</summary>
    public Uri Amqp { get; }

    /// <summary>The management HTTP API with an administrator's user and password.</summary>
    public Uri Management { get; }

    public static async Task<PlatformServers> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return current ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<PlatformServers> StartAsync()
    {
        var pg = Environment.GetEnvironmentVariable("AUDIT_PG_ADMIN");
        var amqp = Environment.GetEnvironmentVariable("AUDIT_RABBITMQ");
        var management = Environment.GetEnvironmentVariable("AUDIT_RABBITMQ_ADMIN");
        if (!string.IsNullOrWhiteSpace(pg) && !string.IsNullOrWhiteSpace(amqp) && !string.IsNullOrWhiteSpace(management))
        {
            return new PlatformServers(pg, new Uri(amqp), new Uri(management));
        }

        if (!DockerAvailable())
        {
            throw new InvalidOperationException(
                "No PostgreSQL/RabbitMQ for the integration tests: run them through deploy/local/test.sh (which starts both and sets " +
                "AUDIT_PG_ADMIN, AUDIT_RABBITMQ and AUDIT_RABBITMQ_ADMIN), or provide a Docker engine for Testcontainers.");
        }

        var postgres = new PostgreSqlBuilder("postgres:15").Build();
        var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management").WithUsername("test").WithPassword("test").WithPortBinding(15672, true).Build();
        await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());
        var amqpUri = new UriBuilder(rabbit.GetConnectionString()) { UserName = "test", Password = "test" }.Uri;
        var managementUri = new UriBuilder("http", rabbit.Hostname, rabbit.GetMappedPublicPort(15672)) { UserName = "test", Password = "test" }.Uri;
        return new PlatformServers(postgres.GetConnectionString(), amqpUri, managementUri);
    }

    private static bool DockerAvailable() =>
        File.Exists("/var/run/docker.sock") || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST"));

    /// <summary>A client for the RabbitMQ management API, authenticated as its administrator.</summary>
    public HttpClient ManagementClient()
    {
        var client = new HttpClient { BaseAddress = new UriBuilder(Management) { UserName = string.Empty, Password = string.Empty, Path = "/api/" }.Uri };
        var credentials = Uri.UnescapeDataString(Management.UserInfo);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client;
    }

    public string AmqpUser => Uri.UnescapeDataString(Amqp.UserInfo.Split(':')[0]);
}
