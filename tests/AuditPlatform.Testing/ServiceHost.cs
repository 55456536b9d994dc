using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Testing;

/// <summary>
/// A service hosted in the test process with its real Marten ledger, real RabbitMQ bus, daemon and
/// background services, configured for one fixture. Disposing it stops the service (a restart is a new host).
/// </summary>
public sealed class ServiceHost<TApp> : WebApplicationFactory<TApp>
    where TApp : class
{
    private readonly IReadOnlyDictionary<string, string?> settings;
    private readonly Action<IServiceCollection>? services;

    public ServiceHost(PlatformFixture fixture, IReadOnlyDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        Fixture = fixture;
        var all = new Dictionary<string, string?>(fixture.ServiceSettings);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        settings = all;
        this.services = services;
    }

    public PlatformFixture Fixture { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureServices(services);
        }
    }

    /// <summary>An HTTP client carrying a development token for the role (and partner, for integrators).</summary>
    public HttpClient ClientFor(string role, string? partner = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Fixture.Token(role, partner));
        return client;
    }
}
