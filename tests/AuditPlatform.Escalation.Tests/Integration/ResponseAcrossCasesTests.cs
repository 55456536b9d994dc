using System.Runtime.CompilerServices;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Escalation.Cases.Responding;
using AuditPlatform.Escalation.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

/// <summary>
/// The platform with a Marten session listener of the test's own in Escalation, and Escalation's log as its settings
/// filter it (with the retries' Debug lines on).
/// </summary>
public sealed class ListenerFixture<TListener> : EscalationFixture
    where TListener : DocumentSessionListenerBase, new()
{
    public TListener Listener { get; } = new();

    public CapturedLogs Logs { get; } = new();

    protected override IReadOnlyDictionary<string, string?>? EscalationSettings => new Dictionary<string, string?>
    {
        [$"Logging:LogLevel:{typeof(RetryLog).FullName}"] = "Debug",
    };

    protected override void ConfigureEscalation(IServiceCollection services)
    {
        services.ConfigureMarten(o => o.Listeners.Add(Listener));
        services.AddLogging(l => l.AddProvider(Logs));
    }
}

public sealed class ResponseAcrossCasesTests(ListenerFixture<SecondCaseFailure> fixture) : IClassFixture<ListenerFixture<SecondCaseFailure>>
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

        await Eventually.TrueAsync(() => fixture.Listener.Retrying.Task.IsCompleted, "the response to be tried again after the injected failure");
        try
        {
            // Between the failed attempt and the next one: nothing of the message was committed.
            foreach (var caseId in cases)
            {
                Assert.Empty(await fixture.ResponsesAsync(caseId, responseId));
            }

            await using var query = fixture.Escalation.Services.GetRequiredService<IDocumentStore>().QuerySession();
            Assert.Null(await query.LoadAsync<ProcessedMessage>($"{nameof(DiplomaticResponseRecordedConsumer)}/{messageId:D}"));
        }
        finally
        {
            fixture.Listener.Looked.TrySetResult();
        }

        foreach (var caseId in cases)
        {
            await fixture.CaseAsync(caseId, c => c.GetProperty("status").GetString() == "responded", "the redelivered response to reach every case");
            Assert.Single(await fixture.ResponsesAsync(caseId, responseId));
        }
    }
}

/// <summary>
/// Loses the optimistic-concurrency race for the case on the first <see cref="Races"/> commits of a response, as when
/// another message (a breach raising the case, another response) writes the same case at the same moment.
/// </summary>
public sealed class LostRaces : DocumentSessionListenerBase
{
    public const int Races = 8;

    private int attempts;

    public int Attempts => Volatile.Read(ref attempts);

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        var responding = session.PendingChanges.Streams().Any(s => s.Events.Any(e => e.Data is ResponseReceived));
        return responding && Interlocked.Increment(ref attempts) <= Races
            ? throw new JasperFx.Events.EventStreamUnexpectedMaxEventIdException("Injected: another message wrote the case first.")
            : Task.CompletedTask;
    }
}

public sealed class LostRaceTests(ListenerFixture<LostRaces> fixture) : IClassFixture<ListenerFixture<LostRaces>>
{
    [Fact]
    public async Task A_response_that_keeps_losing_the_race_for_its_case_is_decided_again_until_it_lands_and_is_never_parked()
    {
        await fixture.RegisterAsync("AU-RACE");
        var caseId = EscalationCase.ForBreach(await fixture.ReportLeakAsync("AU-RACE"));
        await fixture.CaseAsync(caseId, c => c.GetProperty("status").GetString() == "open", "the case to open");

        var (responseId, messageId) = (Guid.NewGuid(), Guid.NewGuid());
        await fixture.RespondAsync("AU-RACE", null, "remediation", responseId, messageId);

        // More lost races in a row than the quick retry's five tries: the response still lands, once, and nothing is parked.
        await fixture.CaseAsync(caseId, c => c.GetProperty("status").GetString() == "responded", "the response to land after its lost races");
        Assert.Equal(LostRaces.Races + 1, fixture.Listener.Attempts);
        Assert.Single(await fixture.ResponsesAsync(caseId, responseId));
        Assert.Equal(0u, await fixture.Probe.CountAsync("escalation-diplomatic-response-recorded_error"));

        // Each lost race is a Debug line of the platform's; MassTransit's Warning with a stack trace per retry is off.
        var raced = fixture.Logs.Lines.Where(l => l.StartsWith(typeof(RetryLog).FullName + " Debug", StringComparison.Ordinal) && l.Contains("lost a race", StringComparison.Ordinal));
        Assert.Equal(LostRaces.Races, raced.Count());
        Assert.DoesNotContain(fixture.Logs.Lines, l => l.Contains("R-RETRY", StringComparison.Ordinal));
    }
}
