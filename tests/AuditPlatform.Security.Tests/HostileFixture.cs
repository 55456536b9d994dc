using AuditPlatform.Audit;
using AuditPlatform.Escalation;
using AuditPlatform.Intake;
using AuditPlatform.Notification;
using AuditPlatform.Testing;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AuditPlatform.Security.Tests;

/// <summary>Every service of the platform, hosted on one database and vhost, for the hostile battery.</summary>
public sealed class HostileFixture : PlatformFixture
{
    private readonly List<IAsyncDisposable> hosts = [];

    /// <summary>Each service by name, with a factory for clients.</summary>
    public Dictionary<string, Func<string?, string?, HttpClient>> Services { get; } = [];

    public Dictionary<string, IServiceProvider> Providers { get; } = [];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Host<IntakeApp>("intake");
        Host<NotificationApp>("notification");
        Host<EscalationApp>("escalation");
        Host<AuditApp>("audit");
        foreach (var (name, client) in Services)
        {
            using var http = client(null, null);
            await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, name + " to be ready");
        }
    }

    private void Host<TApp>(string name)
        where TApp : class
    {
        var host = new ServiceHost<TApp>(this);
        hosts.Add(host);
        Services[name] = (role, partner) => role is null ? host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }) : host.ClientFor(role, partner);
        Providers[name] = host.Services;
    }

    public override async Task DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
