using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Partners;
using AuditPlatform.Escalation.Policy;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Messaging;
using Marten;
using MassTransit;
using Contract = AuditPlatform.Contracts;

namespace AuditPlatform.Escalation.Cases.Responding;

/// <summary>A partner's response, as it reaches one case.</summary>
public sealed record RecordResponse(
    Guid CaseId,
    Guid ResponseId,
    string Partner,
    string Kind,
    string Statement,
    string Respondent,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<string>? Scope,
    DateTimeOffset OccurredAt) : CaseCommand(CaseId)
{
    public static RecordResponse Of(Contract.DiplomaticResponseRecorded response, Guid caseId) =>
        new(caseId, response.ResponseId, response.Partner, response.Kind, response.Statement, response.Respondent, response.ValidUntil, response.Scope, response.OccurredAt);
}

/// <summary>
/// Records the response on the case at its current level; a kind the policy deems adequate stops the clock. The same
/// response twice, or a response to a resolved case, changes nothing.
/// </summary>
public sealed class RecordResponseSlice(EscalationPolicy policy) : CaseSlice<RecordResponse>
{
    public override Decision<CaseEvent> Decide(RecordResponse command, EscalationCase? state, CommandContext context) => state switch
    {
        null => Decision<CaseEvent>.Refuse(CaseRefusals.NotFound),
        _ when state.IsResolved || state.ResponseIds.Contains(command.ResponseId) => Decision<CaseEvent>.AlreadyDone,
        _ => Decision<CaseEvent>.Accept(new ResponseReceived(state.CaseId, command.ResponseId, command.Partner, command.Kind, command.Statement, command.Respondent,
            policy.ResolvingResponses.Contains(command.Kind, StringComparer.Ordinal), state.Level, command.ValidUntil, command.Scope, context.Now)),
    };

    /// <summary>An assurance is kept on record, in the same transaction, so that a later breach within its scope and term is seen to break it.</summary>
    public override async Task KeepAsync(IDocumentSession session, RecordResponse command, IReadOnlyList<CaseEvent> appended, CancellationToken cancellationToken)
    {
        await base.KeepAsync(session, command, appended, cancellationToken);
        foreach (var r in appended.OfType<ResponseReceived>().Where(r => r.Kind == ResponseKinds.Assurance))
        {
            session.Store(new Assurance
            {
                Id = r.ResponseId,
                Partner = r.Partner,
                CaseId = r.CaseId,
                AcceptedAtLevel = r.Level,
                ValidUntil = r.ValidUntil,
                Scope = r.Scope,
                AcceptedAt = r.OccurredAt,
            });
        }
    }
}

/// <summary>
/// A partner's response reaches the case it names, else the case of the breach it names, else every case of that
/// partner still in the queues. A response is a fact another service recorded, not a request: a case it cannot reach
/// (unknown, say) is passed over, and the message is acknowledged.
/// </summary>
public sealed class DiplomaticResponseRecordedConsumer(CommandHandler handler, RecordResponseSlice slice, TimeProvider clock) : IConsumer<Contract.DiplomaticResponseRecorded>
{
    public async Task Consume(ConsumeContext<Contract.DiplomaticResponseRecorded> context)
    {
        var ct = context.CancellationToken;
        if (!await handler.Session.FirstDeliveryAsync(nameof(DiplomaticResponseRecordedConsumer), context.MessageId, clock, ct))
        {
            return;
        }

        // Every case the response reaches, and the inbox mark, commit in one transaction: a failure on any case
        // leaves all of them untouched and the message unhandled, so its redelivery reaches each case once.
        var response = context.Message;
        var decisions = new List<Decision<CaseEvent>>();
        foreach (var caseId in await CasesAnsweredAsync(response, ct))
        {
            decisions.Add((await handler.StageAsync(slice, RecordResponse.Of(response, caseId), Transports.Bus, ct)).Decision);
        }

        await handler.Session.SaveChangesAsync(ct);
        foreach (var decision in decisions)
        {
            handler.Count(slice.Name, Transports.Bus, decision);
        }
    }

    private async Task<IReadOnlyList<Guid>> CasesAnsweredAsync(Contract.DiplomaticResponseRecorded response, CancellationToken ct)
    {
        if (response.CaseId is { } caseId)
        {
            return [caseId];
        }

        if (response.BreachId is { } breachId)
        {
            return [EscalationCase.ForBreach(breachId)];
        }

        var open = await handler.Session.Query<EscalationCase>().Where(c => c.Status != EscalationCase.Resolved).ToListAsync(ct);
        return [.. open.Where(c => c.Partners.Contains(response.Partner, StringComparer.Ordinal)).Select(c => c.CaseId)];
    }
}
