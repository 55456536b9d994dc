using AuditPlatform.Audit;
using AuditPlatform.ServiceDefaults;

await PlatformService.RunAsync(args, AuditService.Name, builder => builder.AddAudit(), app => app.MapAudit());
