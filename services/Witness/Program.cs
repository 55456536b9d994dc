return await AuditPlatform.Witness.WitnessApp.RunAsync(args);
