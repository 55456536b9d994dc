using System.Diagnostics.CodeAnalysis;
using AuditPlatform.Escalation.Dashboard;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using Marten;

namespace AuditPlatform.Escalation.Cases;

/// <summary>A command addressed to one case; its stream is <c>case/&lt;CaseId&gt;</c>.</summary>
public abstract record CaseCommand(Guid CaseId);

/// <summary>
/// What every case slice shares: the case's stream, its fold, and the dashboard announcement, queued in the same
/// session so that every replica's dashboards hear of a change when (and only if) it commits.
/// </summary>
public abstract class CaseSlice<TCommand, TFacts> : CommandSlice<TCommand, EscalationCase, CaseEvent, TFacts>
    where TCommand : CaseCommand
{
    public sealed override string StreamFor(TCommand command) => EscalationCase.StreamFor(command.CaseId);

    public sealed override EscalationCase? Evolve(EscalationCase? state, CaseEvent change) => CaseHistory.Evolve(state, change);

    public override Task KeepAsync(IDocumentSession session, TCommand command, IReadOnlyList<CaseEvent> appended, CancellationToken cancellationToken)
    {
        CaseFeed.Announce(session, command.CaseId);
        return Task.CompletedTask;
    }
}

/// <summary>A case slice whose decision needs only the case.</summary>
public abstract class CaseSlice<TCommand> : CaseSlice<TCommand, NoFacts>
    where TCommand : CaseCommand
{
    public sealed override Task<NoFacts> FactsAsync(TCommand command, IQuerySession session, CancellationToken cancellationToken) =>
        Task.FromResult(NoFacts.Instance);

    public sealed override Decision<CaseEvent> Decide(TCommand command, EscalationCase? state, NoFacts facts, CommandContext context) =>
        Decide(command, state, context);

    /// <summary>The decision, with no I/O: the time comes in <paramref name="context"/>.</summary>
    public abstract Decision<CaseEvent> Decide(TCommand command, EscalationCase? state, CommandContext context);
}

/// <summary>Why a command cannot apply to a case; each has its own problem type.</summary>
public static class CaseRefusals
{
    public static Refusal NotFound { get; } = new(RefusalKind.NotFound, "not-found", "No such case.", "There is no such escalation case.");

    public static Refusal Resolved { get; } = new(RefusalKind.Conflict, "case-resolved", "The case is resolved.", "A resolved case cannot be acted on.");

    public static Refusal AtTopLevel { get; } = new(RefusalKind.Conflict, "case-at-top-level", "The case is at the top of the ladder.", "There is no level above this one.");

    /// <summary>An operator acts only on a case that exists and is not resolved; otherwise <paramref name="refusal"/> says why not.</summary>
    public static bool OperatorCannotAct([NotNullWhen(false)] EscalationCase? state, [NotNullWhen(true)] out Refusal? refusal)
    {
        refusal = state switch
        {
            null => NotFound,
            { IsResolved: true } => Resolved,
            _ => null,
        };
        return refusal is not null;
    }
}
