using AuditPlatform.Intake;
using AuditPlatform.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(IntakeService.Name);
builder.AddIntake();

var app = builder.Build();
app.UseServiceDefaults();
app.MapIntake();
app.Run();
