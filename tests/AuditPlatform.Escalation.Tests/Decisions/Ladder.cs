using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Deciding;
using AuditPlatform.ServiceDefaults.Policy;

namespace AuditPlatform.Escalation.Tests.Decisions;

/// <summary>The policy of deploy/policy/escalation.json, and helpers to fold the decider's output.</summary>
internal static class Ladder
{
    public static readonly DateTimeOffset Now = new(2017, 5, 24, 9, 0, 0, TimeSpan.Zero);

    public static readonly Guid CaseId = EscalationCase.ForBreach(BreachId);

    public static Guid BreachId => Guid.Parse("0b9e0a5e-2a53-4f0e-9a52-8d3f0c4a7b11");

    public static readonly EscalationPolicy Policy = new(
        [
            new EscalationLevel(1, "operational", TimeSpan.FromHours(4), []),
            new EscalationLevel(2, "agency", TimeSpan.FromHours(24), ["suspendSharing"]),
            new EscalationLevel(3, "ministerial", TimeSpan.FromHours(72), []),
            new EscalationLevel(4, "head-of-government", TimeSpan.FromDays(7), []),
        ],
        new Dictionary<string, int> { ["critical"] = 2 },
        ["assurance", "remediation"],
        TimeSpan.FromHours(8));

    public static OpenBreachCase Breach(
        string severity = "high",
        IReadOnlyList<string>? partners = null,
        string classification = "secret",
        IReadOnlyList<string>? caveats = null,
        DateTimeOffset? observedAt = null,
        params AssuranceInForce[] assurances) =>
        new(CaseId, BreachId, partners ?? ["US-DOS"], severity, classification, caveats ?? ["NO-MEDIA"], observedAt ?? Now, "leak", assurances);

    public static (IReadOnlyList<object> Events, CaseRefusal? Refusal) Decide(CaseCommand command, EscalationCase? state, DateTimeOffset? at = null) =>
        CaseDecider.Decide(command, state, Policy, at ?? Now);

    /// <summary>The state after commands that must all be accepted.</summary>
    public static EscalationCase Given(params CaseCommand[] commands) => Given(Now, commands);

    public static EscalationCase Given(DateTimeOffset at, params CaseCommand[] commands)
    {
        EscalationCase? state = null;
        foreach (var command in commands)
        {
            var (events, refusal) = CaseDecider.Decide(command, state, Policy, at);
            Assert.Null(refusal);
            state = events.Aggregate(state, CaseDecider.Evolve);
        }

        return state!;
    }

    /// <summary>The command changes nothing and is not refused.</summary>
    public static void Nothing((IReadOnlyList<object> Events, CaseRefusal? Refusal) decision)
    {
        Assert.Empty(decision.Events);
        Assert.Null(decision.Refusal);
    }

    public static EscalationCase? Fold(EscalationCase? state, IEnumerable<object> events) => events.Aggregate(state, CaseDecider.Evolve);
}
