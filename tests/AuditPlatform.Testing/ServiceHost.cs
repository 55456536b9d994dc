using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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
    private bool onLoopback;

    public ServiceHost(PlatformFixture fixture, IReadOnlyDictionary<string, string?>? extra = null, Action<IServiceCollection>? services = null)
    {
        Fixture = fixture;
        // Services are hosted by their marker type, <Name>App.
        var all = new Dictionary<string, string?>(fixture.SettingsFor(typeof(TApp).Name[..^"App".Length]));
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        settings = all;
        this.services = services;
    }

    public PlatformFixture Fixture { get; }

    /// <summary>
    /// Serves on a real loopback socket instead of the in-memory test server, so a browser can load the service's
    /// pages and hold its event stream; call before anything starts the host. Returns the address it listens on.
    /// </summary>
    public Uri ListenOnLoopback()
    {
        onLoopback = true;
        // Kestrel on the port the Urls setting names (0: any free one), not UseKestrel(port): that one rewrites the
        // server's addresses after the host is built, while the service's own entry point may already be starting
        // the server ("Addresses cannot be modified after the server has started", once in a CI run).
        UseKestrel();
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

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

        if (onLoopback)
        {
            builder.UseSetting("Urls", "http://127.0.0.1:0");
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
