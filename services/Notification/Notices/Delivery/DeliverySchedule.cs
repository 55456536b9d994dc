using Polly;
using Polly.Timeout;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>How hard Notification tries (section <c>Notification</c> of the configuration).</summary>
public sealed record DeliveryOptions
{
    /// <summary>Attempts before a notice is marked failed.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The median wait before the first retry; later waits double each time, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No wait between attempts is longer than this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>One attempt (a webhook POST, a broker confirm) is abandoned after this long.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the worker looks for notices whose next attempt is due (a retry is made at the first sweep after it falls due).</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Notices in delivery at once, per process. Their outcomes are recorded together (<see cref="DeliveryRecorder"/>),
    /// so more at once means fewer commits per notice. A notice waiting for its next attempt holds no slot.
    /// </summary>
    public int MaxConcurrentDeliveries { get; init; } = 512;

    public static DeliveryOptions FromConfiguration(IConfiguration configuration)
    {
        var options = configuration.GetSection("Notification").Get<DeliveryOptions>() ?? new DeliveryOptions();
        return options.MaxAttempts < 1 || options.BaseDelay <= TimeSpan.Zero || options.MaxDelay < options.BaseDelay || options.MaxDelay > TimeSpan.FromDays(1)
            || options.AttemptTimeout <= TimeSpan.Zero || options.SweepInterval <= TimeSpan.Zero || options.MaxConcurrentDeliveries < 1
            ? throw new InvalidOperationException("Notification: MaxAttempts and MaxConcurrentDeliveries must be at least 1, and 0 < BaseDelay <= MaxDelay <= 1 day, AttemptTimeout and SweepInterval positive.")
            : options;
    }
}

/// <summary>
/// The retry schedule of delivery. Each attempt is one pass of a notice through the worker, bounded by Polly's
/// per-attempt timeout; a failed attempt is recorded in the ledger with the time the next one is due, and the notice
/// leaves the worker until then, so a partner that is down holds no delivery slot while it waits, and a restart
/// resumes the schedule where the ledger says. The waits grow exponentially with jitter.
/// </summary>
public sealed class DeliverySchedule(DeliveryOptions options, TimeProvider clock)
{
    public DeliveryOptions Options => options;

    /// <summary>One attempt (a webhook POST, a broker confirm), abandoned after <see cref="DeliveryOptions.AttemptTimeout"/>.</summary>
    public ResiliencePipeline Attempt { get; } = new ResiliencePipelineBuilder { TimeProvider = clock }
        .AddTimeout(new TimeoutStrategyOptions { Timeout = options.AttemptTimeout })
        .Build();

    /// <summary>The median wait after <paramref name="attemptsMade"/> + 1 failed attempts: BaseDelay·2^attemptsMade, capped.</summary>
    public TimeSpan BaseDelayAfter(int attemptsMade)
    {
        var scaled = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attemptsMade, 0, 40));
        return scaled >= options.MaxDelay.TotalMilliseconds ? options.MaxDelay : TimeSpan.FromMilliseconds(scaled);
    }

    /// <summary>Attempts still allowed after <paramref name="attemptsMade"/>.</summary>
    public int AttemptsLeft(int attemptsMade) => Math.Max(0, options.MaxAttempts - attemptsMade);

    /// <summary>
    /// How long to wait after the failed attempt number <paramref name="attempt"/> before the next one; null when no
    /// attempt is left, and the notice has failed. The wait is the median for that attempt, scaled by a factor between
    /// 0.5 and 1.5 drawn from <paramref name="random"/> (uniform in [0, 1)), so notices that failed together are not
    /// all retried together; it never exceeds <see cref="DeliveryOptions.MaxDelay"/>.
    /// </summary>
    public TimeSpan? RetryAfter(int attempt, double random)
    {
        if (AttemptsLeft(attempt) == 0)
        {
            return null;
        }

        var wait = BaseDelayAfter(attempt - 1) * (0.5 + Math.Clamp(random, 0, 1));
        return wait > options.MaxDelay ? options.MaxDelay : wait;
    }
}

/// <summary>The notice was settled elsewhere (acknowledged, or delivered by another replica) while this run was delivering it.</summary>
public sealed class NoticeSettledException : Exception
{
    public NoticeSettledException()
        : base("The notice was settled by someone else.")
    {
    }

    public NoticeSettledException(string message)
        : base(message)
    {
    }

    public NoticeSettledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
