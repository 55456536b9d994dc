namespace AuditPlatform.Intake.Intelligence.Assessing;

/// <summary>
/// How long after its assessment a pressing concern must be written up: <c>Intake:HandlingReportWithin</c>. Intake's
/// own rule, not a rung of the escalation ladder; Escalation only hears of it when the deadline is missed.
/// </summary>
public sealed record ReportDeadline(TimeSpan Within)
{
    public const string Setting = "Intake:HandlingReportWithin";

    public static readonly TimeSpan Default = TimeSpan.FromHours(8);

    /// <summary>Read once at start, so a deadline that could never be met stops the service with the setting named.</summary>
    public static ReportDeadline FromConfiguration(IConfiguration configuration)
    {
        var within = configuration.GetValue(Setting, Default);
        return within > TimeSpan.Zero
            ? new ReportDeadline(within)
            : throw new InvalidOperationException($"{Setting} must be longer than zero (it is {within}).");
    }
}
