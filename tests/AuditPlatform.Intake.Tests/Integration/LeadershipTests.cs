using System.Collections.Concurrent;
using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AuditPlatform.Intake.Tests.Integration;

/// <summary>
/// The leadership of Intake's daemon (its ledger forwarder): the leader holds its lock outside any transaction, so it
/// holds back no vacuum, and when its session dies the service stands again and forwards on.
/// </summary>
public sealed class LeadershipTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    private static readonly long LockId = LedgerSetup.DaemonLockIdFor(IntakeService.Name);

    /// <summary>The session holding Intake's daemon lock: its pid, its state and the oldest snapshot it holds back.</summary>
    private async Task<(int Pid, string State, string? Xmin)?> LeaderAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            select a.pid, a.state, a.backend_xmin::text from pg_locks l join pg_stat_activity a on a.pid = l.pid
             where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = {LockId} and a.datname = current_database()
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : null;
    }

    [Fact]
    public async Task The_leader_holds_no_transaction_and_a_new_one_takes_over_and_forwards_when_its_session_dies()
    {
        // Between its checks (a select every second) the leader is idle outside any transaction and holds no snapshot,
        // so vacuum can remove what it must; a leader in an open transaction never gets there.
        (int Pid, string State, string? Xmin)? leader = null;
        await Eventually.TrueAsync(async () => (leader = await LeaderAsync()) is { State: "idle", Xmin: null }, "an idle leader holding no snapshot", TimeSpan.FromSeconds(15));

        await using (var admin = new NpgsqlConnection(fixture.Database))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand($"select pg_terminate_backend({leader!.Value.Pid})", admin);
            await kill.ExecuteScalarAsync();
        }

        await Eventually.TrueAsync(async () => await LeaderAsync() is { } next && next.Pid != leader.Value.Pid, "a new leader after the old session died", TimeSpan.FromSeconds(30));

        var seen = await fixture.Probe.ListenAsync("PartnerRegistered");
        await using (var session = fixture.Intake.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream("partner/LEAD-1", new PartnerRegistered("LEAD-1", "LEAD-1", "Testland", "bus", null, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        await Eventually.TrueAsync(() => Forwarded(seen, "LEAD-1"), "the new leader's forwarder to publish the next event", TimeSpan.FromSeconds(30));
    }

    private static bool Forwarded(ConcurrentQueue<ProbedMessage> seen, string code) =>
        seen.Any(m => m.Message.GetProperty("code").GetString() == code);
}
