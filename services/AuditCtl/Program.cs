using AuditPlatform.AuditCtl;

return await Cli.Build().Parse(args).InvokeAsync();
