using AuditPlatform.Notification;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Ledger;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(NotificationService.Name);
builder.AddNotification();

var app = builder.Build();
app.UseServiceDefaults();
app.MapNotification();
await app.RunServiceAsync(args);
