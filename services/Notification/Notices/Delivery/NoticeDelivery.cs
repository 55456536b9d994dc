using System.Collections.Concurrent;
using System.Diagnostics;
using AuditPlatform.Contracts;
using AuditPlatform.Notification.Partners;
using AuditPlatform.Notification.Partners.WebhookSecrets;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>
/// Delivers pending notices whose next attempt is due. The schedule lives in the ledger (each failed attempt
/// records when the next is due) and in the <see cref="Notice"/> read model, never only in memory: a restart in
/// the middle of retries resumes them at the recorded time. A notice is recorded delivered once, by the stream's
/// version check, even if two replicas raced to send it (delivery itself is at least once).
/// </summary>
public sealed partial class NoticeDelivery(
    IDocumentStore store, IServiceScopeFactory scopes, DeliverySchedule schedule, DeliveryRecorder recorder,
    DeliveryDoorbell doorbell, NotificationMetrics metrics, TimeProvider clock, ILogger<NoticeDelivery> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Task> inFlight = new();

    // Runs that ended since the current sweep began: its query may have read their notices before their outcome
    // committed, so it must not start them again. Cleared as each sweep begins (sweeps run one at a time).
    private readonly ConcurrentDictionary<Guid, bool> endedDuringSweep = new();

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

                // Sweep again at the next tick, or as soon as a notice is opened or enough slots free, whichever is
                // first. Each wait stays pending across loops until it completes: a timer allows one waiter at a time.
                while (true)
                {
                    tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                    rung ??= doorbell.WaitAsync(stoppingToken);
                    await Task.WhenAny(tick, rung);
                    if (tick.IsCompleted)
                    {
                        if (!await tick)
                        {
                            return;
                        }

                        tick = null;
                        break;
                    }

                    await rung;
                    rung = null;
                    // A ring with only a slot or two free waits for more: a sweep reads as many rows as are in delivery.
                    if (schedule.Options.MaxConcurrentDeliveries - inFlight.Count >= SweepRoom)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what was not recorded is retried by whoever runs next, at the time the ledger says.
        }
        finally
        {
            // Runs end on cancellation and never throw; waiting for them keeps a stopped service from recording late.
            await Task.WhenAll(inFlight.Values);
        }
    }

    /// <summary>Free slots that make a doorbell ring worth a sweep: an eighth of them, or the one slot there is.</summary>
    private int SweepRoom => Math.Max(1, schedule.Options.MaxConcurrentDeliveries / 8);

    /// <summary>Starts a delivery run for every due notice not already in delivery here; returns how many started.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var room = schedule.Options.MaxConcurrentDeliveries - inFlight.Count;
        if (room <= 0)
        {
            return 0;
        }

        endedDuringSweep.Clear();
        var now = clock.GetUtcNow();
        IReadOnlyList<Notice> due;
        IReadOnlyDictionary<string, PartnerChannel> partners;
        IReadOnlyDictionary<string, WebhookSecret> secrets;
        await using (var query = store.QuerySession())
        {
            // Notices already in delivery here stay pending until their outcome commits: left out by the query, not
            // read and dropped (each sweep used to read every one of them again, seven to ten reads per notice).
            var busy = inFlight.Keys.Select(Notice.StreamFor).ToArray();
            due = await query.Query<Notice>()
                .Where(n => n.Status == NoticeStatuses.Pending && n.NextAttemptAt <= now && !n.Id.IsOneOf(busy))
                .OrderBy(n => n.NextAttemptAt)
                .Take(room)
                .ToListAsync(cancellationToken);
            due = [.. due.Where(n => !endedDuringSweep.ContainsKey(n.NoticeId))];

            // Each attempt uses its partner's channel as this sweep read it: two lookups for all, not one or two per notice.
            var codes = due.Select(n => n.Partner).Distinct().ToArray();
            partners = codes.Length == 0 ? new Dictionary<string, PartnerChannel>() : (await query.LoadManyAsync<PartnerChannel>(cancellationToken, codes)).ToDictionary(p => p.Id);
            var hooks = partners.Values.Where(p => p.Kind == ChannelKinds.Webhook).Select(p => p.Id).ToArray();
            secrets = hooks.Length == 0 ? new Dictionary<string, WebhookSecret>() : (await query.LoadManyAsync<WebhookSecret>(cancellationToken, hooks)).ToDictionary(w => w.Id);
        }

        var started = 0;
        foreach (var notice in due)
        {
            var partner = new PartnerSnapshot(partners.GetValueOrDefault(notice.Partner), secrets.GetValueOrDefault(notice.Partner));
            // Registered before it starts, so a run that ends at once still removes itself afterwards.
            var run = new Task<Task>(() => RunAsync(notice, partner, cancellationToken));
            if (inFlight.TryAdd(notice.NoticeId, run.Unwrap()))
            {
                run.Start(TaskScheduler.Default);
                started++;
            }
        }

        return started;
    }

    private async Task RunAsync(Notice notice, PartnerSnapshot partner, CancellationToken cancellationToken)
    {
        try
        {
            await DeliverAsync(notice, partner, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping mid-attempt: nothing is recorded, and the notice is due again for whoever runs next.
        }
        catch (NoticeSettledException)
        {
            // Acknowledged, or delivered by another replica, while this run was sending.
        }
        catch (Exception e)
        {
            LogRunFailed(logger, notice.NoticeId, e);
        }
        finally
        {
            endedDuringSweep[notice.NoticeId] = true;
            inFlight.TryRemove(notice.NoticeId, out _);
            doorbell.Ring();
        }
    }

    /// <summary>
    /// One run: one attempt, its outcome recorded in the notice's stream (a failure with the time the next attempt is
    /// due, when one is left). The notice is as the sweep read it: a run that ended since is skipped by the sweep, and a
    /// notice settled elsewhere (an acknowledgement, another replica) is found out when its outcome is recorded against
    /// the stream's version.
    /// </summary>
    private async Task DeliverAsync(Notice notice, PartnerSnapshot partner, CancellationToken cancellationToken)
    {
        if (schedule.AttemptsLeft(notice.Attempts) == 0)
        {
            // Fewer attempts are allowed now than when the notice was last tried: it has failed.
            await RecordAsync(recorder.FailedAsync(new RecordFailedAttempt(notice.NoticeId, notice.Attempts, notice.LastError ?? "Out of attempts.", null)), cancellationToken);
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
        var attempt = notice.Attempts + 1;
        string? channel = null;
        try
        {
            await schedule.Attempt.ExecuteAsync(async token => await courier.SendAsync(notice, attempt, partner, used => channel = used, token), cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Any failure is worth another attempt while attempts are left: a refusal, a timeout, a socket that gave up.
            metrics.Attempted("failure", channel, notice.Partner);
            var retryAfter = schedule.RetryAfter(attempt, Random.Shared.NextDouble());
            await RecordAsync(recorder.FailedAsync(new RecordFailedAttempt(notice.NoticeId, attempt, e.Message, retryAfter)), cancellationToken);
            if (retryAfter is null)
            {
                metrics.Ended("failed", notice.Kind, channel, notice.Partner);
                activity?.SetTag("audit.notice.outcome", "failed");
                LogGaveUp(logger, notice.NoticeId, notice.Partner, attempt, e.Message);
            }
            else
            {
                activity?.SetTag("audit.notice.outcome", "retry");
            }

            return;
        }

        metrics.Attempted("success", channel, notice.Partner);
        await RecordAsync(recorder.DeliveredAsync(new RecordNoticeDelivered(notice.NoticeId, channel!, attempt)), CancellationToken.None);
        metrics.Ended("delivered", notice.Kind, channel, notice.Partner);
        activity?.SetTag("audit.notice.outcome", "delivered");
    }

    /// <summary>Waits for one outcome to be recorded (with others, by the recorder); when the notice was settled meanwhile, nothing is recorded and the run stops.</summary>
    private static async Task RecordAsync(Task<Verdict> recording, CancellationToken cancellationToken)
    {
        if (await recording.WaitAsync(cancellationToken) != Verdict.Accepted)
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
