using AuditPlatform.AuditCtl;

return await Cli.Root(Console.Out, Console.Error).Parse(args).InvokeAsync();
