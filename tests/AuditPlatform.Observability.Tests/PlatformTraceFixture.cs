using AuditPlatform.Escalation;
using AuditPlatform.Intake;
using AuditPlatform.Notification;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace AuditPlatform.Observability.Tests;

/// <summary>Intake, Notification and Escalation on one database and vhost, each exporting its spans to memory.</summary>
public sealed class PlatformTraceFixture : PlatformFixture
{
    public SpanCollection Spans { get; } = [];

    public ServiceHost<IntakeApp> Intake { get; private set; } = null!;

    public ServiceHost<NotificationApp> Notification { get; private set; } = null!;

    public ServiceHost<EscalationApp> Escalation { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Intake = new ServiceHost<IntakeApp>(this, services: Traced);
        Notification = new ServiceHost<NotificationApp>(this, services: Traced);
        Escalation = new ServiceHost<EscalationApp>(this, services: Traced);
        Admin = Intake.ClientFor(Roles.Admin);
        Operator = Intake.ClientFor(Roles.Operator);
        await ReadyAsync(Admin, "Intake");
        await ReadyAsync(Notification.CreateClient(), "Notification");
        await ReadyAsync(Escalation.CreateClient(), "Escalation");
    }

    public override async Task DisposeAsync()
    {
        await Escalation.DisposeAsync();
        await Notification.DisposeAsync();
        await Intake.DisposeAsync();
        await base.DisposeAsync();
    }

    private static Task<bool> ReadyAsync(HttpClient client, string name) =>
        Eventually.TrueAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode, name + " to be ready");

    private void Traced(IServiceCollection services) =>
        services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(Spans));
}
