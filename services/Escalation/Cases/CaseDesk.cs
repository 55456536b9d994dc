using AuditPlatform.Contracts;
using AuditPlatform.Escalation.Cases.Deciding;
using AuditPlatform.Escalation.Dashboard;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.Escalation.Partners;
using AuditPlatform.ServiceDefaults.Policy;
using Marten;

namespace AuditPlatform.Escalation.Cases;

/// <summary>The outcome of a command on a case: its state afterwards, or the refusal.</summary>
public sealed record CaseOutcome(EscalationCase? Case, CaseRefusal? Refusal, int Recorded);

/// <summary>
/// The one place a case changes: fetch the stream, decide, append with the stream's version check, keep
/// the assurance and partner records in the same transaction, and announce the change to every replica's dashboards on commit.
/// Shared by the bus consumers, the operators' endpoints and the deadline sweep.
/// </summary>
public sealed class CaseDesk(IDocumentSession session, EscalationPolicy policy, TimeProvider clock)
{
    public IDocumentSession Session => session;

    /// <summary>Decides, appends and commits: one command, one transaction.</summary>
    public async Task<CaseOutcome> ActAsync(CaseCommand command, CancellationToken cancellationToken)
    {
        var outcome = await StageAsync(command, cancellationToken);
        await session.SaveChangesAsync(cancellationToken);
        return outcome;
    }

    /// <summary>
    /// Decides and appends in the session without committing. A message that touches several cases stages each
    /// and saves once, so its effects on every case, the records and its inbox mark commit together or not at all.
    /// </summary>
    public async Task<CaseOutcome> StageAsync(CaseCommand command, CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<EscalationCase>(EscalationCase.StreamFor(command.CaseId), cancellationToken);
        var (events, refusal) = CaseDecider.Decide(command, stream.Aggregate, policy, clock.GetUtcNow());
        if (refusal is not null)
        {
            return new CaseOutcome(stream.Aggregate, refusal, 0);
        }

        var state = stream.Aggregate;
        foreach (var e in events)
        {
            stream.AppendOne(e);
            state = CaseDecider.Evolve(state, e);
            await KeepRecordsAsync(e, cancellationToken);
        }

        if (events.Count > 0)
        {
            CaseFeed.Announce(session, command.CaseId);
        }

        return new CaseOutcome(state, null, events.Count);
    }

    private async Task KeepRecordsAsync(object e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case ResponseReceived { Kind: ResponseKinds.Assurance } r:
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
                break;
            case CaseOpened { AssuranceBroken: true, BrokenAssuranceId: { } responseId } opened:
                var assurance = await session.LoadAsync<Assurance>(responseId, cancellationToken);
                if (assurance is not null)
                {
                    var standing = await session.LoadAsync<PartnerStanding>(assurance.Partner, cancellationToken) ?? PartnerStanding.New(assurance.Partner);
                    session.Store(standing with
                    {
                        BrokenAssurances = [.. standing.BrokenAssurances, new BrokenAssurance(responseId, opened.CaseId, opened.BreachId, assurance.AcceptedAtLevel, opened.OccurredAt)],
                    });
                }

                break;
        }
    }
}
