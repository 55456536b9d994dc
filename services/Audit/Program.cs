using AuditPlatform.Audit;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Ledger;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(AuditService.Name);
builder.AddAudit();

var app = builder.Build();
app.UseServiceDefaults();
app.MapAudit();
await app.RunServiceAsync(args);
