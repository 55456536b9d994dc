using System.Net;
using System.Net.Http.Json;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Notices.Delivery;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>
/// Delivery outcomes are recorded together: outcomes that wait while every writer is busy share the next transaction,
/// each still decided on its own stream, and a transaction that cannot be saved as a whole falls back to one per outcome.
/// The notices here are opened straight in the ledger with their first attempt a day away, so the worker leaves them alone.
/// </summary>
public sealed class DeliveryRecorderTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private DeliveryRecorder Recorder => fixture.Notification.Services.GetRequiredService<DeliveryRecorder>();

    private async Task<List<Guid>> OpenNoticesAsync(int count)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        var later = DateTimeOffset.UtcNow.AddDays(1);
        await using var session = fixture.Notification.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        foreach (var id in ids)
        {
            session.Events.StartStream<Notice>(Notice.StreamFor(id), new NoticeCreated(
                id, "NZ-GCSB", "handling", Guid.NewGuid(), null, "secret", [], "Recorder test", null, null, null, null, null, null, null, later));
        }

        await session.SaveChangesAsync();
        return ids;
    }

    /// <summary>The transactions (their ids) that wrote the notices' delivery events.</summary>
    private async Task<List<string>> WritingTransactionsAsync(IEnumerable<Guid> noticeIds)
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select distinct xmin::text from ledger.mt_events where type = 'partner_notified' and stream_id = any($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = noticeIds.Select(Notice.StreamFor).ToArray() });
        var transactions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            transactions.Add(reader.GetString(0));
        }

        return transactions;
    }

    /// <summary>Locks a stream's row until disposed: a write that appends to the stream waits for it.</summary>
    private async Task<IAsyncDisposable> HoldStreamAsync(Guid noticeId)
    {
        var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var lockRow = new NpgsqlCommand("select 1 from ledger.mt_streams where id = $1 for update", connection, transaction);
        lockRow.Parameters.Add(new NpgsqlParameter { Value = Notice.StreamFor(noticeId) });
        Assert.Equal(1, await lockRow.ExecuteScalarAsync());
        return connection;
    }

    /// <summary>
    /// Holds every writer of the recorder: one outcome each, for a notice whose stream row is held, each started once the
    /// one before waits on its row. Returns the outcomes and the holds that release them.
    /// </summary>
    private async Task<(List<Task<Verdict>> Writes, List<IAsyncDisposable> Holds)> OccupyWritersAsync(IReadOnlyList<Guid> notices, int alreadyWaiting)
    {
        var writes = new List<Task<Verdict>>();
        var holds = new List<IAsyncDisposable>();
        foreach (var notice in notices)
        {
            holds.Add(await HoldStreamAsync(notice));
            writes.Add(Recorder.DeliveredAsync(new RecordNoticeDelivered(notice, "bus", 1)));
            await WaitingOnLocksAsync(alreadyWaiting + holds.Count);
        }

        return (writes, holds);
    }

    /// <summary>
    /// Notification's statements filter on every value they are given, so PostgreSQL keeps their plans (its default):
    /// planned per call, planning was a quarter of its time on the write path (docs/performance.md). Only Audit plans per call.
    /// </summary>
    [Fact]
    public async Task Its_connection_keeps_statement_plans()
    {
        await using var show = fixture.Notification.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand("show plan_cache_mode");
        Assert.Equal("auto", (string?)await show.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Outcomes_that_wait_while_every_writer_is_held_up_are_recorded_together_in_one_transaction()
    {
        var ids = await OpenNoticesAsync(GroupCommit<Notice>.MaxWriters + 17);
        var held = ids.Take(GroupCommit<Notice>.MaxWriters).ToList();
        var rest = ids.Skip(GroupCommit<Notice>.MaxWriters).ToList();

        // Each writer's transaction waits for a held row, so the rest wait for a writer: no more writers than the limit start.
        var (first, holds) = await OccupyWritersAsync(held, 0);
        var others = rest.Select(id => Recorder.DeliveredAsync(new RecordNoticeDelivered(id, "bus", 1))).ToList();
        await Task.Delay(200);
        Assert.All(first.Concat(others), write => Assert.False(write.IsCompleted, "every writer waits for a held row"));
        foreach (var hold in holds)
        {
            await hold.DisposeAsync();
        }

        var verdicts = await Task.WhenAll(first.Concat(others));

        Assert.All(verdicts, v => Assert.Equal(Verdict.Accepted, v));
        Assert.Equal(GroupCommit<Notice>.MaxWriters, (await WritingTransactionsAsync(held)).Count);
        Assert.Single(await WritingTransactionsAsync(rest));
        foreach (var id in ids)
        {
            var notice = await fixture.NoticeAsync(id);
            Assert.Equal(NoticeStatuses.Delivered, notice!.Status);
            Assert.Equal("bus", notice.Channel);
        }
    }

    /// <summary>Waits until this many sessions of the test's database wait for a lock.</summary>
    private async Task WaitingOnLocksAsync(int sessions)
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await Eventually.TrueAsync(async () =>
        {
            await using var count = new NpgsqlCommand(
                "select count(distinct l.pid) from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.datname = current_database()", connection);
            return (long)(await count.ExecuteScalarAsync())! >= sessions;
        }, $"{sessions} sessions waiting on a lock");
    }

    [Fact]
    public async Task A_batch_whose_stream_moved_before_it_saved_is_recorded_one_outcome_at_a_time_each_decided_on_its_stream()
    {
        var ids = await OpenNoticesAsync(3 + GroupCommit<Notice>.MaxWriters);
        var settled = ids[2];
        var occupying = ids.Skip(3).ToList();
        Assert.Equal(Verdict.Accepted, await Recorder.DeliveredAsync(new RecordNoticeDelivered(settled, "bus", 1)));

        // Every writer is held up, so the outcomes below wait and are taken together as one batch by the first writer
        // set free. The partner acknowledges the first notice before that: the acknowledgement and then the batch wait on
        // the first notice's held row; the acknowledgement saves first, so the batch's version check fails and each outcome
        // is decided again on its own. The same notice's second outcome waits for the first to be saved.
        var hold = await HoldStreamAsync(ids[0]);
        var acknowledging = fixture.Notification.ClientFor(Roles.Integrator, "NZ-GCSB").PostAsJsonAsync($"/notifications/{ids[0]}/ack", new { by = "GCSB duty officer" });
        await WaitingOnLocksAsync(1);
        var (occupied, holds) = await OccupyWritersAsync(occupying, 1);
        var batch = new[]
        {
            Recorder.DeliveredAsync(new RecordNoticeDelivered(ids[0], "bus", 1)),
            Recorder.DeliveredAsync(new RecordNoticeDelivered(ids[0], "bus", 2)),
            Recorder.FailedAsync(new RecordFailedAttempt(ids[1], 1, "The webhook answered 503.", TimeSpan.FromMinutes(1))),
            Recorder.DeliveredAsync(new RecordNoticeDelivered(settled, "bus", 2)),
            Recorder.FailedAsync(new RecordFailedAttempt(Guid.NewGuid(), 1, "No such notice.", null)),
        };
        await holds[0].DisposeAsync();
        await WaitingOnLocksAsync(1 + GroupCommit<Notice>.MaxWriters);
        await hold.DisposeAsync();
        var acknowledged = await acknowledging;
        var outcomes = await Task.WhenAll(batch);
        foreach (var other in holds.Skip(1))
        {
            await other.DisposeAsync();
        }

        Assert.All(await Task.WhenAll(occupied), v => Assert.Equal(Verdict.Accepted, v));
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.Equal([Verdict.Accepted, Verdict.AlreadyDone, Verdict.Accepted, Verdict.AlreadyDone, Verdict.Refused], outcomes);
        var first = await fixture.Ledger.ReadAsync(Notice.StreamFor(ids[0]));
        Assert.Equal(["notice_created", "notice_acknowledged", "partner_notified"], first.Select(r => r.Type));
        Assert.Equal(1, first[2].Data.GetProperty("Attempt").GetInt32());
        Assert.Equal(NoticeStatuses.Acknowledged, (await fixture.NoticeAsync(ids[0]))!.Status);
        var failed = await fixture.NoticeAsync(ids[1]);
        Assert.Equal((NoticeStatuses.Pending, 1, "The webhook answered 503."), (failed!.Status, failed.Attempts, failed.LastError));
        Assert.Single(await fixture.Ledger.ReadAsync(Notice.StreamFor(settled), "partner_notified"));
    }
}
