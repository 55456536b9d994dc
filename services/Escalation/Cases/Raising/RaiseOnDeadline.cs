using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;

namespace AuditPlatform.Escalation.Cases.Raising;

/// <summary>The deadline sweep asks whether a case's deadline passed without an adequate response.</summary>
public sealed record RaiseOnDeadline(Guid CaseId) : CaseCommand(CaseId);

/// <summary>
/// A case whose clock runs and whose deadline has passed rises one level (by <see cref="CaseLadder.PolicyActor"/>);
/// any other case, resolved ones included, is left as it is: the sweep is never refused for asking.
/// </summary>
public sealed class RaiseOnDeadlineSlice(EscalationPolicy policy) : CaseSlice<RaiseOnDeadline>
{
    public override Decision<CaseEvent> Decide(RaiseOnDeadline command, EscalationCase? state, CommandContext context) => state switch
    {
        null => Decision<CaseEvent>.Refuse(CaseRefusals.NotFound),
        { ClockRuns: true } when context.Now >= state.Deadline && policy.Above(state.Level) is { } above =>
            Decision<CaseEvent>.Accept(CaseLadder.Raise(state, above, CaseLadder.PolicyActor, $"No adequate response by {state.Deadline:u} at level {state.Level} ({state.LevelName}).", context.Now)),
        _ => Decision<CaseEvent>.AlreadyDone,
    };
}
