using AuditPlatform.Notification;
using AuditPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(NotificationService.Name);
builder.AddNotification();

var app = builder.Build();
app.UseServiceDefaults();
app.MapNotification();
app.Run();
