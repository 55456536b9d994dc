using AuditPlatform.Intake;
using AuditPlatform.ServiceDefaults;

await PlatformService.RunAsync(args, IntakeService.Name, builder => builder.AddIntake(), app => app.MapIntake());
