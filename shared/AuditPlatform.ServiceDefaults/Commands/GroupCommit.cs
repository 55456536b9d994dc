using JasperFx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.ServiceDefaults.Commands;

/// <summary>
/// Group commit for work that arrives concurrently (bus messages, delivery outcomes): whatever is waiting when a write
/// starts is staged through one <see cref="CommandHandler"/> and saved in one transaction, so a busy service pays one
/// commit for many commands instead of one each. Each command is still decided on its own stream with the stream's
/// version check, and each submitter's task ends only after its work committed (a message is acknowledged after its
/// effects, as always). Up to <see cref="MaxWriters"/> transactions are written at once, never two with the same
/// stream; the streams of a transaction are read in one round trip. When a transaction cannot be saved whole (a stream
/// moved meanwhile, or one piece of work failed), each piece of it is written again on its own, decided on the streams
/// as they are then, and only the piece that fails alone fails its submitter.
/// </summary>
public sealed partial class GroupCommit<TState>(IServiceScopeFactory scopes, ILogger<GroupCommit<TState>> logger)
    where TState : class
{
    /// <summary>Pieces of work in one transaction at most: bounds the transaction's length and its statement count.</summary>
    public const int MaxBatch = 256;

    /// <summary>Transactions written at once: while one waits on PostgreSQL (its statements, its commit's flush), the next is staged.</summary>
    public const int MaxWriters = 3;

    /// <summary>A piece of work written alone loses a version race at most this often before its failure is its submitter's.</summary>
    private const int AloneAttempts = 3;

    private readonly Lock gate = new();
    private readonly LinkedList<Work> waiting = new();

    // The streams of the transactions being written: work on one of them waits for that transaction to end.
    private readonly HashSet<string> beingWritten = new(StringComparer.Ordinal);
    private int writers;

    /// <summary>
    /// Stages <paramref name="stage"/> with whatever else is waiting and returns once it committed. The stage appends to
    /// the handler's session (and only to <paramref name="streams"/>, which are read ahead for it) and returns what to do
    /// once its transaction committed: count the commands, hand back verdicts.
    /// </summary>
    public Task SubmitAsync(IReadOnlyCollection<string> streams, Func<CommandHandler, CancellationToken, Task<Action>> stage)
    {
        var work = new Work(streams, stage);
        bool start;
        lock (gate)
        {
            waiting.AddLast(work);
            start = writers < MaxWriters;
            writers += start ? 1 : 0;
        }

        if (start)
        {
            _ = Task.Run(WriteWhileWaitingAsync);
        }

        return work.Done.Task;
    }

    /// <summary>
    /// One writer: takes what is waiting, writes it, and stops when nothing is left that it may take (work on a stream
    /// in another writer's transaction is taken by that writer when its transaction ends).
    /// </summary>
    private async Task WriteWhileWaitingAsync()
    {
        List<Work> batch = [];
        while (true)
        {
            lock (gate)
            {
                foreach (var written in batch)
                {
                    beingWritten.ExceptWith(written.Streams);
                }

                batch = [];
                for (var node = waiting.First; node is not null && batch.Count < MaxBatch;)
                {
                    var next = node.Next;
                    if (!node.Value.Streams.Any(beingWritten.Contains))
                    {
                        beingWritten.UnionWith(node.Value.Streams);
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

            try
            {
                await WriteAsync(batch);
            }
            catch (Exception e)
            {
                // Only a scope that could not be disposed after its work was finished gets here; the writer goes on.
                LogWriterFailed(logger, typeof(TState).Name, e);
                foreach (var work in batch)
                {
                    work.Done.TrySetException(e);
                }
            }
        }
    }

    private async Task WriteAsync(List<Work> batch)
    {
        if (batch.Count > 1 && await SavedTogetherAsync(batch))
        {
            return;
        }

        foreach (var work in batch)
        {
            try
            {
                await WriteAloneAsync(work);
            }
            catch (Exception e)
            {
                work.Done.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// Every piece of the batch staged in one session and saved in one transaction, then finished; false when the batch
    /// could not be saved whole (nothing of it committed), so that each piece is written on its own.
    /// </summary>
    private async Task<bool> SavedTogetherAsync(List<Work> batch)
    {
        await using var scope = scopes.CreateAsyncScope();
        var afterwards = new List<Action>(batch.Count);
        try
        {
            var handler = scope.ServiceProvider.GetRequiredService<CommandHandler>();
            await handler.ReadAheadAsync<TState>(batch.SelectMany(w => w.Streams), CancellationToken.None);
            foreach (var work in batch)
            {
                afterwards.Add(await work.Stage(handler, CancellationToken.None));
            }

            await handler.Session.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            LogBatchFellBack(logger, batch.Count, typeof(TState).Name, e.Message);
            return false;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Finish(afterwards[i]);
        }

        return true;
    }

    /// <summary>One piece in a transaction of its own; a lost version race is decided again on the stream as it is then.</summary>
    private async Task WriteAloneAsync(Work work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<CommandHandler>();
                var afterwards = await work.Stage(handler, CancellationToken.None);
                await handler.Session.SaveChangesAsync(CancellationToken.None);
                work.Finish(afterwards);
                return;
            }
            catch (ConcurrencyException) when (attempt < AloneAttempts)
            {
                // Something else appended meanwhile (an acknowledgement, another replica): decide again.
            }
        }
    }

    /// <summary>One piece of work: the streams it writes, how it stages, and its submitter's task.</summary>
    private sealed record Work(IReadOnlyCollection<string> Streams, Func<CommandHandler, CancellationToken, Task<Action>> Stage)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Runs what the piece does after its commit, then lets its submitter go on.</summary>
        public void Finish(Action afterwards)
        {
            try
            {
                afterwards();
                Done.TrySetResult();
            }
            catch (Exception e)
            {
                Done.TrySetException(e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} pieces of work on {State} streams could not be saved together ({Reason}); each is saved on its own.")]
    private static partial void LogBatchFellBack(ILogger logger, int count, string state, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A group commit writer of {State} streams failed after its work was finished; it goes on with what is waiting.")]
    private static partial void LogWriterFailed(ILogger logger, string state, Exception exception);
}
