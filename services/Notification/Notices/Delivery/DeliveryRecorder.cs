using AuditPlatform.Notification.Ledger;
using AuditPlatform.ServiceDefaults.Commands;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>
/// Records the outcomes of concurrent delivery runs together: whatever outcomes are waiting when a write starts go
/// through the command handler in one transaction (group commit), so a busy worker pays one commit for many notices
/// instead of one each. Each outcome is still its own command on its own stream with the stream's version check;
/// when the shared transaction fails (a stream moved meanwhile: an acknowledgement, another replica), each outcome
/// of it is recorded again on its own, decided on the stream as it is then. Up to <see cref="MaxWriters"/>
/// transactions are written at once, never two with the same notice: one writer alone capped delivery at one batch
/// per transaction time (under load, 128 or 256 notices a second whatever the machine had left; docs/performance.md).
/// </summary>
public sealed partial class DeliveryRecorder(
    IServiceScopeFactory scopes, DeliverySchedule schedule, RecordFailedAttemptSlice failedAttempt, RecordNoticeDeliveredSlice delivered, ILogger<DeliveryRecorder> logger)
{
    /// <summary>Outcomes in one transaction at most: bounds the transaction's length and its statement count.</summary>
    public const int MaxBatch = 256;

    /// <summary>Transactions written at once: while one waits on PostgreSQL (its statements, its commit's flush), the next is staged.</summary>
    public const int MaxWriters = 3;

    private readonly Lock gate = new();
    private readonly LinkedList<Pending> waiting = new();

    // The notices in a transaction being written: an outcome for one of them waits for that transaction to end.
    private readonly HashSet<Guid> beingWritten = [];
    private int writers;

    /// <summary>Records a failed attempt; the verdict is <see cref="Verdict.AlreadyDone"/> when the notice was settled meanwhile.</summary>
    public Task<Verdict> FailedAsync(RecordFailedAttempt command) => Enqueue(failedAttempt, command, command.NoticeId);

    /// <summary>Records a delivery; the verdict is <see cref="Verdict.AlreadyDone"/> when another run recorded it first.</summary>
    public Task<Verdict> DeliveredAsync(RecordNoticeDelivered command) => Enqueue(delivered, command, command.NoticeId);

    /// <summary>Queues one outcome as its slice's command: staged with others, or handled alone after a fallback.</summary>
    private Task<Verdict> Enqueue<TCommand>(CommandSlice<TCommand, Notice, NoticeEvent, NoFacts> slice, TCommand command, Guid noticeId)
        where TCommand : notnull
    {
        var pending = new Pending(
            noticeId,
            slice.Name,
            (handler, token) => handler.StageAsync(slice, command, Transports.Timer, token),
            (handler, token) => handler.HandleAsync(slice, command, Transports.Timer, token));
        bool start;
        lock (gate)
        {
            waiting.AddLast(pending);
            start = writers < MaxWriters;
            writers += start ? 1 : 0;
        }

        if (start)
        {
            _ = Task.Run(WriteWhileWaitingAsync);
        }

        return pending.Done.Task;
    }

    /// <summary>
    /// One writer: takes what is waiting, writes it, and stops when nothing is left that it may take (what another
    /// writer's transaction holds a notice of is taken by that writer when its transaction ends).
    /// </summary>
    private async Task WriteWhileWaitingAsync()
    {
        List<Pending> batch = [];
        while (true)
        {
            lock (gate)
            {
                foreach (var written in batch)
                {
                    beingWritten.Remove(written.NoticeId);
                }

                // A notice appears in one transaction at a time: a second outcome for it is decided after the first is saved.
                batch = [];
                for (var node = waiting.First; node is not null && batch.Count < MaxBatch;)
                {
                    var next = node.Next;
                    if (beingWritten.Add(node.Value.NoticeId))
                    {
                        batch.Add(node.Value);
                        waiting.Remove(node);
                    }

                    node = next;
                }

                if (batch.Count == 0)
                {
                    writers--;
                    return;
                }
            }

            await WriteAsync(batch);
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        if (batch.Count > 1)
        {
            try
            {
                var verdicts = await WriteTogetherAsync(batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(verdicts[i]);
                }

                return;
            }
            catch (Exception e)
            {
                LogBatchFellBack(logger, batch.Count, e.Message);
            }
        }

        foreach (var pending in batch)
        {
            try
            {
                pending.Done.TrySetResult(await schedule.Recording.ExecuteAsync(async token => await WriteAloneAsync(pending, token), CancellationToken.None));
            }
            catch (Exception e)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    /// <summary>Every outcome of the batch staged in one session and saved in one transaction.</summary>
    private async Task<List<Verdict>> WriteTogetherAsync(List<Pending> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetRequiredService<CommandHandler>();
        await handler.ReadAheadAsync<Notice>(batch.Select(p => Notice.StreamFor(p.NoticeId)), CancellationToken.None);
        var decisions = new List<Decision<NoticeEvent>>(batch.Count);
        foreach (var pending in batch)
        {
            decisions.Add((await pending.StageAsync(handler, CancellationToken.None)).Decision);
        }

        await handler.Session.SaveChangesAsync(CancellationToken.None);
        for (var i = 0; i < batch.Count; i++)
        {
            handler.Count(batch[i].Command, Transports.Timer, decisions[i]);
        }

        return decisions.ConvertAll(d => d.Verdict);
    }

    private async ValueTask<Verdict> WriteAloneAsync(Pending pending, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return (await pending.HandleAsync(scope.ServiceProvider.GetRequiredService<CommandHandler>(), cancellationToken)).Verdict;
    }

    /// <summary>One outcome waiting to be recorded: its notice, its command's name, and how its slice stages or handles it.</summary>
    private sealed record Pending(
        Guid NoticeId,
        string Command,
        Func<CommandHandler, CancellationToken, Task<CommandOutcome<Notice, NoticeEvent>>> StageAsync,
        Func<CommandHandler, CancellationToken, Task<CommandOutcome<Notice, NoticeEvent>>> HandleAsync)
    {
        public TaskCompletionSource<Verdict> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} delivery outcomes could not be recorded together ({Reason}); each is recorded on its own.")]
    private static partial void LogBatchFellBack(ILogger logger, int count, string reason);
}
