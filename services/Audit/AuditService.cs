namespace AuditPlatform.Audit;

/// <summary>The Audit service's composition; also the anchor type tests host it by.</summary>
public static class AuditService
{
    public const string Name = "audit";

    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder) => builder;

    public static WebApplication MapAudit(this WebApplication app) => app;
}

/// <summary>Marks the Audit assembly, so hosts and tests can start the service by type.</summary>
public sealed class AuditApp;
