using AuditPlatform.Escalation;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Ledger;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(EscalationService.Name);
builder.AddEscalation();

var app = builder.Build();
app.UseServiceDefaults();
app.MapEscalation();
await app.RunServiceAsync(args);
