using AuditPlatform.Escalation;
using AuditPlatform.ServiceDefaults;

await PlatformService.RunAsync(args, EscalationService.Name, builder => builder.AddEscalation(), app => app.MapEscalation());
