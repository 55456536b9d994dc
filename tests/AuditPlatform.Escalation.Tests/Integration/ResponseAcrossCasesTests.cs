using System.Runtime.CompilerServices;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Responding;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>
/// Fails, once, the commit of a session that records a response on a second case: the failure the issue describes
/// ("applying to a later case fails"). The attempt that follows is held until the test has looked at the ledger.
/// </summary>
public sealed class SecondCaseFailure : DocumentSessionListenerBase
{
    private readonly ConditionalWeakTable<IDocumentSession, HashSet<string>> responded = [];
    private int failed;

    public TaskCompletionSource Retrying { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Looked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        var cases = session.PendingChanges.Streams().Where(s => s.Events.Any(e => e.Data is ResponseReceived)).Select(s => s.Key!).ToList();
        if (cases.Count == 0)
        {
            return;
        }

        if (Volatile.Read(ref failed) == 1)
        {
            Retrying.TrySetResult();
            await Looked.Task.WaitAsync(Eventually.DefaultBound, token);
            return;
        }

        var seen = responded.GetOrCreateValue(session);
        seen.UnionWith(cases);
        if (seen.Count >= 2 && Interlocked.Exchange(ref failed, 1) == 0)
        {
            throw new InvalidOperationException("Injected: recording the response on a second case fails.");
        }
    }
}

public sealed class SecondCaseFailureFixture : EscalationFixture
{
    public SecondCaseFailure Failure { get; } = new();

    protected override void ConfigureEscalation(IServiceCollection services) => services.ConfigureMarten(o => o.Listeners.Add(Failure));
}

public sealed class ResponseAcrossCasesTests(SecondCaseFailureFixture fixture) : IClassFixture<SecondCaseFailureFixture>
{
    [Fact]
    public async Task A_response_to_several_cases_that_fails_on_a_later_case_changes_none_and_on_redelivery_reaches_each_once()
    {
        await fixture.RegisterAsync("AU-ASIS");
        var cases = new[] { await fixture.ReportLeakAsync("AU-ASIS"), await fixture.ReportLeakAsync("AU-ASIS") }.Select(EscalationCase.ForBreach).ToList();
        foreach (var caseId in cases)
        {
            await fixture.CaseAsync(caseId, c => c.GetProperty("status").GetString() == "open", "each case to open");
        }

        // No case id and no breach id: the response reaches every open case of the partner.
        var (responseId, messageId) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.RespondAsync("AU-ASIS", null, "remediation", responseId, messageId);

        await Eventually.TrueAsync(() => fixture.Failure.Retrying.Task.IsCompleted, "the response to be tried again after the injected failure");
        try
        {
            // Between the failed attempt and the next one: nothing of the message was committed.
            foreach (var caseId in cases)
            {
                Assert.Empty(await ResponsesAsync(caseId, responseId));
            }

            await using var query = fixture.Escalation.Services.GetRequiredService<IDocumentStore>().QuerySession();
            Assert.Null(await query.LoadAsync<ProcessedMessage>($"{nameof(DiplomaticResponseRecordedConsumer)}/{messageId:D}"));
        }
        finally
        {
            fixture.Failure.Looked.TrySetResult();
        }

        foreach (var caseId in cases)
        {
            await fixture.CaseAsync(caseId, c => c.GetProperty("status").GetString() == "responded", "the redelivered response to reach every case");
            Assert.Single(await ResponsesAsync(caseId, responseId));
        }
    }

    private async Task<IReadOnlyList<LedgerRow>> ResponsesAsync(Guid caseId, Guid responseId) =>
        [.. (await fixture.Ledger.ReadAsync(EscalationCase.StreamFor(caseId), "case_response_received"))
            .Where(r => r.Data.GetProperty("ResponseId").GetGuid() == responseId)];
}
