using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Policy;

namespace AuditPlatform.Escalation.Cases.Deciding;

/// <summary>The escalation ladder as pure functions: a command and the case's state give events, or a refusal.</summary>
public static class CaseDecider
{
    public const string PolicyActor = "policy";
    public const string SuspendSharingAction = "suspendSharing";

    public static readonly CaseRefusal NotFound = new(404, "not-found", "No such case.", "There is no such escalation case.");

    public static readonly CaseRefusal AlreadyResolved = new(409, "case-resolved", "The case is resolved.", "A resolved case cannot be acted on.");

    public static readonly CaseRefusal AtTopLevel = new(409, "case-at-top-level", "The case is at the top of the ladder.", "There is no level above this one.");

    /// <summary>The events the command produces (possibly none: a repeat changes nothing), or why it is refused.</summary>
    public static (IReadOnlyList<object> Events, CaseRefusal? Refusal) Decide(CaseCommand command, EscalationCase? state, EscalationPolicy policy, DateTimeOffset now) => command switch
    {
        OpenBreachCase open => (state is null ? OpenBreach(open, policy, now) : [], null),
        OpenHandlingDelayCase open => (state is null ? OpenHandlingDelay(open, policy, now) : [], null),
        _ when state is null => ([], NotFound),
        RaiseOnDeadline => (RaiseIfDue(state, policy, now), null),
        RecordResponse response => (Respond(response, state, policy, now), null),
        _ when state.IsResolved => ([], AlreadyResolved),
        Acknowledge a => (state.IsAcknowledged ? [] : [new CaseAcknowledged(state.CaseId, a.By, now)], null),
        Assign a => (state.Assignee == a.To ? [] : [new CaseAssigned(state.CaseId, a.By, a.To, now)], null),
        Note n => ([new CaseNoted(state.CaseId, n.By, n.Text, now)], null),
        EscalateByHand e => policy.Above(state.Level) is { } above ? (Raise(state, above, e.By, e.Reason, now), null) : ([], AtTopLevel),
        Resolve r => (Resolved(state, r, now), null),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown case command."),
    };

    /// <summary>The state after the events; for folding the decider's output in tests and handlers.</summary>
    public static EscalationCase? Evolve(EscalationCase? state, object @event) => CaseHistory.Evolve(state, @event);

    /// <summary>The assurance this breach breaks, if any: by one of the case's partners, in force at the breach, covering the item.</summary>
    public static AssuranceInForce? BrokenAssurance(OpenBreachCase open) =>
        open.Assurances
            .Where(a => open.Partners.Contains(a.Partner, StringComparer.Ordinal))
            .Where(a => a.ValidUntil is null || open.ObservedAt <= a.ValidUntil)
            .Where(a => a.Scope is null || a.Scope.Count == 0 || a.Scope.Contains(open.Classification, StringComparer.Ordinal) || open.Caveats.Any(c => a.Scope.Contains(c, StringComparer.Ordinal)))
            .OrderByDescending(a => a.AcceptedAtLevel)
            .FirstOrDefault();

    private static List<object> OpenBreach(OpenBreachCase open, EscalationPolicy policy, DateTimeOffset now)
    {
        var start = policy.StartLevelFor(open.Severity);
        var broken = BrokenAssurance(open);
        if (broken is not null)
        {
            var above = policy.Above(broken.AcceptedAtLevel) ?? policy.Levels[^1];
            start = Math.Max(start, above.Level);
        }

        var level = policy.LevelFor(start);
        List<object> events =
        [
            new CaseOpened(open.CaseId, CaseKinds.Breach, open.BreachId, null, open.Partners, level.Level, level.Name, now + level.RespondWithin,
                open.Severity, open.Summary, broken is not null, broken?.ResponseId, now),
        ];
        events.AddRange(OnEnter(open.CaseId, open.Partners, level, now));
        return events;
    }

    private static List<object> OpenHandlingDelay(OpenHandlingDelayCase open, EscalationPolicy policy, DateTimeOffset now)
    {
        var level = policy.Levels[0];
        List<object> events =
        [
            new CaseOpened(open.CaseId, CaseKinds.HandlingDelay, null, open.ItemId, [], level.Level, level.Name, now + level.RespondWithin,
                null, $"Intelligence from {open.Source} not written up by {open.Deadline:u}", false, null, now),
        ];
        events.AddRange(OnEnter(open.CaseId, [], level, now));
        return events;
    }

    private static List<object> RaiseIfDue(EscalationCase state, EscalationPolicy policy, DateTimeOffset now) =>
        state.ClockRuns && now >= state.Deadline && policy.Above(state.Level) is { } above
            ? Raise(state, above, PolicyActor, $"No adequate response by {state.Deadline:u} at level {state.Level} ({state.LevelName}).", now)
            : [];

    private static List<object> Raise(EscalationCase state, EscalationLevel above, string by, string reason, DateTimeOffset now)
    {
        List<object> events = [new CaseRaised(state.CaseId, state.Level, above.Level, above.Name, now + above.RespondWithin, by, reason, now)];
        events.AddRange(OnEnter(state.CaseId, state.Partners, above, now));
        return events;
    }

    private static IEnumerable<object> OnEnter(Guid caseId, IReadOnlyList<string> partners, EscalationLevel level, DateTimeOffset now) =>
        level.OnEnter.Contains(SuspendSharingAction)
            ? partners.Select(p => new SharingSuspensionRequested(caseId, p, PolicyActor, $"Case {caseId} entered level {level.Level} ({level.Name}).", now))
            : [];

    private static List<object> Respond(RecordResponse response, EscalationCase state, EscalationPolicy policy, DateTimeOffset now)
    {
        if (state.IsResolved || state.ResponseIds.Contains(response.ResponseId))
        {
            return [];
        }

        var adequate = policy.ResolvingResponses.Contains(response.Kind, StringComparer.Ordinal);
        return [new ResponseReceived(state.CaseId, response.ResponseId, response.Partner, response.Kind, response.Statement, response.Respondent,
            adequate, state.Level, response.ValidUntil, response.Scope, now)];
    }

    private static List<object> Resolved(EscalationCase state, Resolve resolve, DateTimeOffset now)
    {
        List<object> events = [new CaseResolved(state.CaseId, resolve.By, resolve.Reason, resolve.RestoreSharing, now)];
        if (resolve.RestoreSharing)
        {
            events.AddRange(state.Partners.Select(p => new SharingRestorationRequested(state.CaseId, p, resolve.By, resolve.Reason, now)));
        }

        return events;
    }
}
