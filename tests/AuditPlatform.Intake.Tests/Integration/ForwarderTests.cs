using System.Collections.Concurrent;
using System.Globalization;
using AuditPlatform.Intake.Ledger;
using AuditPlatform.Testing;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AuditPlatform.Intake.Tests.Integration;

/// <summary>The ledger forwarder under concurrency and around gaps in the global sequence.</summary>
public sealed class ForwarderTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    private static PartnerRegistered Registered(string code) => new(code, code, "Testland", "bus", null, DateTimeOffset.UtcNow);

    private async Task<IReadOnlyList<long>> SequencesAsync(string prefix)
    {
        var rows = await fixture.Ledger.ReadAsync(type: "partner_registered");
        return [.. rows.Where(r => r.StreamKey.StartsWith("partner/" + prefix, StringComparison.Ordinal)).Select(r => r.Sequence)];
    }

    private static HashSet<long> Forwarded(ConcurrentQueue<ProbedMessage> seen, string prefix) =>
        [.. seen.Where(m => m.Message.GetProperty("code").GetString()!.StartsWith(prefix, StringComparison.Ordinal))
            .Select(m => long.Parse(m.Headers["Audit-Ledger-Sequence"], CultureInfo.InvariantCulture))];

    [Fact]
    public async Task Eight_concurrent_writers_append_two_thousand_events_and_every_one_reaches_the_bus()
    {
        var seen = await fixture.Probe.ListenAsync("PartnerRegistered");
        var store = fixture.Intake.Services.GetRequiredService<IDocumentStore>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
            {
                await using var session = store.LightweightSession();
                session.Events.StartStream($"partner/CW{writer}-{i}", Registered($"CW{writer}-{i}"));
                await session.SaveChangesAsync();
            }
        })));

        var committed = await SequencesAsync("CW");
        Assert.Equal(2000, committed.Count);
        await Eventually.TrueAsync(() => Forwarded(seen, "CW").Count >= 2000, "all 2,000 events on the bus", TimeSpan.FromSeconds(90));
        Assert.Equal(committed.Order(), Forwarded(seen, "CW").Order());
        Assert.Equal(2000, seen.Count(m => m.Message.GetProperty("code").GetString()!.StartsWith("CW", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Gaps_left_by_rolled_back_and_slow_transactions_neither_stall_the_forwarder_nor_lose_events()
    {
        var seen = await fixture.Probe.ListenAsync("PartnerRegistered");
        var store = fixture.Intake.Services.GetRequiredService<IDocumentStore>();

        async Task AppendAsync(string code)
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream("partner/" + code, Registered(code));
            await session.SaveChangesAsync();
        }

        await AppendAsync("GAP-BEFORE");

        // Two slow transactions take sequence numbers while later events commit: one rolls back and leaves
        // a hole that is never filled, the other commits after the stale-gap threshold has passed.
        var rolledBack = await HoldAsync(store, "GAP-ROLLED-BACK");
        var late = await HoldAsync(store, "GAP-LATE");
        await AppendAsync("GAP-AFTER-1");
        await AppendAsync("GAP-AFTER-2");
        await Task.Delay(TimeSpan.FromSeconds(4));
        await rolledBack.RollbackAsync();
        await late.CommitAsync();
        await AppendAsync("GAP-AFTER-3");

        var committed = await SequencesAsync("GAP");
        Assert.Equal(5, committed.Count);
        await Eventually.TrueAsync(() => Forwarded(seen, "GAP").Count == 5, "every committed event after the gaps on the bus", TimeSpan.FromSeconds(60));
        Assert.Equal(committed.Order(), Forwarded(seen, "GAP").Order());
    }

    /// <summary>Appends inside a transaction the test commits or rolls back later; the connection closes with it.</summary>
    private async Task<NpgsqlTransaction> HoldAsync(IDocumentStore store, string code)
    {
        var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var session = store.LightweightSession(SessionOptions.ForTransaction(transaction));
        session.Events.StartStream("partner/" + code, Registered(code));
        await session.SaveChangesAsync();
        return transaction;
    }
}
