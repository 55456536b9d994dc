using AuditPlatform.Intake;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Ledger;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(IntakeService.Name);
builder.AddIntake();

var app = builder.Build();
app.UseServiceDefaults();
app.MapIntake();
await app.RunServiceAsync(args);
