using System.Collections.Concurrent;
using System.Diagnostics;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;
using Polly.Retry;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>
/// Delivers pending notices whose next attempt is due. The schedule lives in the ledger (each failed attempt
/// records when the next is due) and in the <see cref="Notice"/> read model, never only in memory: a restart in
/// the middle of retries resumes them at the recorded time. A notice is recorded delivered once, by the stream's
/// version check, even if two replicas raced to send it (delivery itself is at least once).
/// </summary>
public sealed partial class NoticeDelivery(
    IDocumentStore store, IServiceScopeFactory scopes, DeliverySchedule schedule, RecordFailedAttemptSlice failedAttempt, RecordNoticeDeliveredSlice delivered,
    DeliveryDoorbell doorbell, NotificationMetrics metrics, TimeProvider clock, ILogger<NoticeDelivery> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Task> inFlight = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(schedule.Options.SweepInterval, clock);
        Task<bool>? tick = null;
        Task? rung = null;
        try
        {
            while (true)
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSweepFailed(logger, e);
                }

                // Sweep again at the next tick, or as soon as a notice is opened or a slot frees, whichever is first.
                // Each wait stays pending across loops until it completes: a timer allows one waiter at a time.
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                rung ??= doorbell.WaitAsync(stoppingToken);
                await Task.WhenAny(tick, rung);
                if (rung.IsCompleted)
                {
                    await rung;
                    rung = null;
                }

                if (tick.IsCompleted)
                {
                    if (!await tick)
                    {
                        break;
                    }

                    tick = null;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was not recorded is retried by whoever runs next, at the time the ledger says.
        }

        // Runs end on cancellation and never throw; waiting for them keeps a stopped service from recording late.
        await Task.WhenAll(inFlight.Values);
    }

    /// <summary>Starts a delivery run for every due notice not already in delivery here; returns how many started.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var room = schedule.Options.MaxConcurrentDeliveries - inFlight.Count;
        if (room <= 0)
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        IReadOnlyList<Notice> due;
        await using (var query = store.QuerySession())
        {
            due = await query.Query<Notice>()
                .Where(n => n.Status == NoticeStatuses.Pending && n.NextAttemptAt <= now)
                .OrderBy(n => n.NextAttemptAt)
                .Take(room + inFlight.Count)
                .ToListAsync(cancellationToken);
        }

        var started = 0;
        foreach (var notice in due.Where(n => !inFlight.ContainsKey(n.NoticeId)).Take(room))
        {
            // Registered before it starts, so a run that ends at once still removes itself afterwards.
            var run = new Task<Task>(() => RunAsync(notice, cancellationToken));
            if (inFlight.TryAdd(notice.NoticeId, run.Unwrap()))
            {
                run.Start(TaskScheduler.Default);
                started++;
            }
        }

        return started;
    }

    private async Task RunAsync(Notice notice, CancellationToken cancellationToken)
    {
        try
        {
            await DeliverAsync(notice, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping mid-run: the ledger holds the last failed attempt and when the next is due.
        }
        catch (NoticeSettledException)
        {
            // Acknowledged, or delivered by another replica, while this run waited.
        }
        catch (Exception e)
        {
            LogRunFailed(logger, notice.NoticeId, e);
        }
        finally
        {
            inFlight.TryRemove(notice.NoticeId, out _);
            doorbell.Ring();
        }
    }

    /// <summary>One run: attempts until delivered or out of attempts, each outcome recorded in the notice's stream.</summary>
    private async Task DeliverAsync(Notice candidate, CancellationToken cancellationToken)
    {
        // The sweep's copy may be stale (a run that just ended, another replica): act on the notice as it is now.
        Notice? notice;
        await using (var query = store.QuerySession())
        {
            notice = await query.LoadAsync<Notice>(candidate.Id, cancellationToken);
        }

        if (notice is not { Status: NoticeStatuses.Pending } || notice.NextAttemptAt > clock.GetUtcNow())
        {
            return;
        }

        if (schedule.AttemptsLeft(notice.Attempts) == 0)
        {
            // Fewer attempts are allowed now than when the notice was last tried: it has failed.
            await RecordAsync(failedAttempt, new RecordFailedAttempt(notice.NoticeId, notice.Attempts, notice.LastError ?? "Out of attempts.", null), cancellationToken);
            metrics.Ended("failed", notice.Kind, null, notice.Partner);
            return;
        }

        // The delivery continues the story the notice was created in (the disclosure's or the breach's trace).
        using var activity = PlatformTelemetry.Source.StartActivity("notice deliver", ActivityKind.Internal, TracedSessions.TraceContextOf(notice.TraceParent));
        activity?.SetTag("audit.notice.id", notice.NoticeId);
        activity?.SetTag("audit.notice.partner", notice.Partner);
        activity?.SetTag("audit.notice.attempts_before", notice.Attempts);
        await using var scope = scopes.CreateAsyncScope();
        var courier = scope.ServiceProvider.GetRequiredService<NoticeCourier>();
        var attempt = notice.Attempts;
        string? channel = null;
        var pipeline = schedule.PipelineFor(notice.Attempts, async retry =>
        {
            metrics.Attempted("failure", channel, notice.Partner);
            await RecordAsync(failedAttempt, new RecordFailedAttempt(notice.NoticeId, attempt, Describe(retry), retry.RetryDelay), cancellationToken);
        });

        try
        {
            await pipeline.ExecuteAsync(async token =>
            {
                attempt++;
                channel = null;
                await courier.SendAsync(notice, attempt, used => channel = used, token);
            }, cancellationToken);
        }
        catch (Exception e) when (e is not NoticeSettledException && !cancellationToken.IsCancellationRequested)
        {
            metrics.Attempted("failure", channel, notice.Partner);
            await RecordAsync(failedAttempt, new RecordFailedAttempt(notice.NoticeId, attempt, e.Message, null), cancellationToken);
            metrics.Ended("failed", notice.Kind, channel, notice.Partner);
            activity?.SetTag("audit.notice.outcome", "failed");
            LogGaveUp(logger, notice.NoticeId, notice.Partner, attempt, e.Message);
            return;
        }

        metrics.Attempted("success", channel, notice.Partner);
        await RecordAsync(delivered, new RecordNoticeDelivered(notice.NoticeId, channel!, attempt), CancellationToken.None);
        metrics.Ended("delivered", notice.Kind, channel, notice.Partner);
        activity?.SetTag("audit.notice.outcome", "delivered");
    }

    private static string Describe(OnRetryArguments<object> retry) =>
        retry.Outcome.Exception?.Message ?? "The attempt failed.";

    /// <summary>Records one delivery outcome through its slice; when the notice was settled meanwhile, nothing is recorded and the run stops.</summary>
    private async Task RecordAsync<TCommand>(CommandSlice<TCommand, Notice, NoticeEvent, NoFacts> slice, TCommand command, CancellationToken cancellationToken)
        where TCommand : notnull
    {
        var outcome = await schedule.Recording.ExecuteAsync(async token =>
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<CommandHandler>().HandleAsync(slice, command, Transports.Timer, token);
        }, cancellationToken);
        if (outcome.Verdict != Verdict.Accepted)
        {
            throw new NoticeSettledException();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The notice delivery sweep failed; it runs again at the next tick.")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery of notice {NoticeId} stopped unexpectedly; it is retried at its next due time.")]
    private static partial void LogRunFailed(ILogger logger, Guid noticeId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice {NoticeId} to {Partner} failed after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, Guid noticeId, string partner, int attempts, string error);
}
