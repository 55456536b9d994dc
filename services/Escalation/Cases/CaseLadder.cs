using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Policy;

namespace AuditPlatform.Escalation.Cases;

/// <summary>Entering a level of the policy's ladder, shared by opening a case and raising it (on its deadline or by hand).</summary>
public static class CaseLadder
{
    /// <summary>Who the ledger names for what the policy does by itself.</summary>
    public const string PolicyActor = "policy";

    /// <summary>The <c>onEnter</c> action that asks Intake to suspend sharing with each partner of the case.</summary>
    public const string SuspendSharingAction = "suspendSharing";

    /// <summary>The case rises to <paramref name="above"/>, with the new level's deadline, and the new level's actions run.</summary>
    public static List<CaseEvent> Raise(EscalationCase state, EscalationLevel above, string by, string reason, DateTimeOffset now)
    {
        List<CaseEvent> events = [new CaseRaised(state.CaseId, state.Level, above.Level, above.Name, now + above.RespondWithin, by, reason, now)];
        events.AddRange(OnEnter(state.CaseId, state.Partners, above, now));
        return events;
    }

    /// <summary>
    /// The requests a case makes as it opens at <paramref name="level"/>: the actions of that level and of every level
    /// below it, as if it had climbed there, each once. A breach that breaks an assurance opens above the level the
    /// assurance was accepted at (level 3 after one accepted at 2, by the shipped policy): it must not keep sharing with
    /// the partner that a first critical breach, opening at level 2, would suspend.
    /// </summary>
    public static IEnumerable<CaseEvent> OnOpen(Guid caseId, IReadOnlyList<string> partners, EscalationPolicy policy, EscalationLevel level, DateTimeOffset now)
    {
        if (policy.Levels.FirstOrDefault(l => l.Level <= level.Level && l.OnEnter.Contains(SuspendSharingAction)) is not { } suspending)
        {
            return [];
        }

        var reason = suspending.Level == level.Level
            ? Entered(caseId, level)
            : $"Case {caseId} opened at level {level.Level} ({level.Name}), above level {suspending.Level} ({suspending.Name}), whose actions it takes on.";
        return partners.Select(p => new SharingSuspensionRequested(caseId, p, PolicyActor, reason, now));
    }

    /// <summary>The requests a level's <c>onEnter</c> actions make when a case enters it.</summary>
    public static IEnumerable<CaseEvent> OnEnter(Guid caseId, IReadOnlyList<string> partners, EscalationLevel level, DateTimeOffset now) =>
        level.OnEnter.Contains(SuspendSharingAction)
            ? partners.Select(p => new SharingSuspensionRequested(caseId, p, PolicyActor, Entered(caseId, level), now))
            : [];

    private static string Entered(Guid caseId, EscalationLevel level) => $"Case {caseId} entered level {level.Level} ({level.Name}).";
}
