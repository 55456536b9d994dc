using AuditPlatform.Notification;
using AuditPlatform.ServiceDefaults;

await PlatformService.RunAsync(args, NotificationService.Name, builder => builder.AddNotification(), app => app.MapNotification());
