using AuditPlatform.Contracts;

namespace AuditPlatform.Notification.Notices.Planning;

/// <summary>
/// How long a partner has to answer a breach notice, by severity: <c>Notification:BreachRespondWithin:&lt;severity&gt;</c>.
/// Each mirrors the escalation policy, the <c>respondWithin</c> of the level Escalation opens a case of that severity at,
/// so the notice states the deadline the case will run on; a test in Escalation's suite fails when the shipped
/// defaults and deploy/policy/escalation.json drift apart.
/// </summary>
public sealed record BreachRespondWithin(TimeSpan Low, TimeSpan Medium, TimeSpan High, TimeSpan Critical)
{
    public const string Section = "Notification:BreachRespondWithin";

    /// <summary>What the shipped policy gives: every severity opens at level 1 (4 hours) but critical, at level 2 (24 hours).</summary>
    public static readonly BreachRespondWithin Default = new(TimeSpan.FromHours(4), TimeSpan.FromHours(4), TimeSpan.FromHours(4), TimeSpan.FromHours(24));

    /// <summary>
    /// The duration for a severity. Intake sends no other severity; one would be treated as low, as Escalation opens
    /// a case of a severity the policy does not map at the first level.
    /// </summary>
    public TimeSpan For(string severity) => severity switch
    {
        Severities.Critical => Critical,
        Severities.High => High,
        Severities.Medium => Medium,
        _ => Low,
    };

    /// <summary>Read once at start: a duration that is not positive, or a key that is not a severity, stops the service with the setting named.</summary>
    public static BreachRespondWithin FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        foreach (var child in section.GetChildren())
        {
            if (!Severities.All.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{Section}:{child.Key} is not a severity; known: {string.Join(", ", Severities.All)}.");
            }
        }

        TimeSpan Read(string severity, TimeSpan fallback)
        {
            var within = section.GetValue(severity, fallback);
            return within > TimeSpan.Zero ? within : throw new InvalidOperationException($"{Section}:{severity} must be longer than zero (it is {within}).");
        }

        return new BreachRespondWithin(
            Read(Severities.Low, Default.Low), Read(Severities.Medium, Default.Medium), Read(Severities.High, Default.High), Read(Severities.Critical, Default.Critical));
    }
}
