using JasperFx;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>How hard Notification tries (section <c>Notification</c> of the configuration).</summary>
public sealed record DeliveryOptions
{
    /// <summary>Attempts before a notice is marked failed.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>The median wait before the first retry; later waits grow exponentially, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No wait between attempts is longer than this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>One attempt (a webhook POST, a broker confirm) is abandoned after this long.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the worker looks for notices whose next attempt is due.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Notices in delivery at once, per process. Their outcomes are recorded together (<see cref="DeliveryRecorder"/>),
    /// so more at once means fewer commits per notice; a run waiting out a retry holds its slot.
    /// </summary>
    public int MaxConcurrentDeliveries { get; init; } = 128;

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
/// Every retry of delivery, computed by Polly: exponential back-off with jitter and a per-attempt timeout for the
/// attempts, an immediate second decision for an outcome that lost a concurrent write. Every failed attempt is written to the ledger (through <c>onRetry</c>) with the time of the next one, so after a
/// restart the worker resumes where the ledger says: at the next attempt's time, with the attempts left and a
/// base delay grown as far as the attempts already made.
/// </summary>
public sealed class DeliverySchedule(DeliveryOptions options, TimeProvider clock)
{
    public DeliveryOptions Options => options;

    /// <summary>
    /// Recording an attempt's outcome loses the stream's version check when something else appended meanwhile (an
    /// acknowledgement, another replica): the outcome is decided again, at once, on the stream as it is then.
    /// </summary>
    public ResiliencePipeline Recording { get; } = new ResiliencePipelineBuilder { TimeProvider = clock }
        .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.Zero, ShouldHandle = new PredicateBuilder().Handle<ConcurrencyException>() })
        .Build();

    /// <summary>The base delay of a run that starts after <paramref name="attemptsMade"/> attempts: BaseDelay·2^attemptsMade, capped.</summary>
    public TimeSpan BaseDelayAfter(int attemptsMade)
    {
        var scaled = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attemptsMade, 0, 40));
        return scaled >= options.MaxDelay.TotalMilliseconds ? options.MaxDelay : TimeSpan.FromMilliseconds(scaled);
    }

    /// <summary>Attempts still allowed after <paramref name="attemptsMade"/>.</summary>
    public int AttemptsLeft(int attemptsMade) => Math.Max(0, options.MaxAttempts - attemptsMade);

    /// <summary>The pipeline for one run of deliveries; <paramref name="onRetry"/> sees each failed attempt before the wait.</summary>
    public ResiliencePipeline PipelineFor(int attemptsMade, Func<OnRetryArguments<object>, ValueTask> onRetry, Func<double>? randomizer = null)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        var retries = AttemptsLeft(attemptsMade) - 1;
        if (retries > 0)
        {
            var retry = new RetryStrategyOptions
            {
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = BaseDelayAfter(attemptsMade),
                MaxDelay = options.MaxDelay,
                // Any failure is worth another attempt, unless the service is stopping or the notice was settled elsewhere.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && e is not NoticeSettledException && !args.Context.CancellationToken.IsCancellationRequested),
                OnRetry = onRetry,
            };
            if (randomizer is not null)
            {
                retry.Randomizer = randomizer;
            }

            builder.AddRetry(retry);
        }

        return builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.AttemptTimeout }).Build();
    }
}

/// <summary>The notice was settled elsewhere (acknowledged, or delivered by another replica) while this run was retrying it.</summary>
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
