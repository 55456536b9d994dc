using AuditPlatform.Notification.Notices.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace AuditPlatform.Notification.Tests.Decisions;

public class DeliveryScheduleSpecs
{
    private static readonly DeliveryOptions Options = new()
    {
        MaxAttempts = 10,
        BaseDelay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(60),
        AttemptTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Runs a pipeline on a fake clock, moving the clock whenever the run waits; returns the waits Polly chose and the attempts made.</summary>
    private static async Task<(List<TimeSpan> Waits, int Attempts, Exception? Error)> RunAsync(
        DeliveryOptions options, int attemptsMade, Func<int, CancellationToken, ValueTask> attempt, Func<double>? randomizer = null, CancellationTokenSource? stopping = null)
    {
        var clock = new FakeTimeProvider();
        var waits = new List<TimeSpan>();
        var attempts = 0;
        var pipeline = new DeliverySchedule(options, clock).PipelineFor(attemptsMade, retry =>
        {
            waits.Add(retry.RetryDelay);
            stopping?.Cancel();
            return ValueTask.CompletedTask;
        }, randomizer);
        var run = pipeline.ExecuteAsync(token => attempt(++attempts, token), stopping?.Token ?? CancellationToken.None).AsTask();
        while (!run.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(1);
        }

        try
        {
            await run;
            return (waits, attempts, null);
        }
        catch (Exception e)
        {
            return (waits, attempts, e);
        }
    }

    private static ValueTask AlwaysFails(int attempt, CancellationToken token) => throw new DeliveryRefusedException($"attempt {attempt} refused");

    [Fact]
    public async Task A_notice_that_never_gets_through_is_tried_max_attempts_times_with_a_wait_before_each_retry()
    {
        var (waits, attempts, error) = await RunAsync(Options, 0, AlwaysFails);

        Assert.Equal(10, attempts);
        Assert.Equal(9, waits.Count);
        Assert.IsType<DeliveryRefusedException>(error);
        Assert.Equal("attempt 10 refused", error.Message);
    }

    [Fact]
    public async Task Back_off_grows_exponentially_until_the_maximum_wait()
    {
        var (waits, _, _) = await RunAsync(Options, 0, AlwaysFails, randomizer: () => 0.5);

        var growing = waits.TakeWhile(w => w < Options.MaxDelay).ToList();
        Assert.True(growing.Count >= 4, "several waits below the cap");
        Assert.All(growing.Zip(growing.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"{pair.Second} grows from {pair.First}"));
        Assert.True(growing[^1] > growing[0] * 8, "exponential, not linear, growth");
        Assert.All(waits.Skip(growing.Count), w => Assert.Equal(Options.MaxDelay, w));
    }

    [Fact]
    public async Task With_jitter_every_wait_stays_between_zero_and_the_maximum_and_waits_differ()
    {
        var all = new List<TimeSpan>();
        for (var run = 0; run < 20; run++)
        {
            all.AddRange((await RunAsync(Options, 0, AlwaysFails)).Waits);
        }

        Assert.All(all, w => Assert.InRange(w, TimeSpan.FromTicks(1), Options.MaxDelay));
        Assert.True(all.Take(9).Distinct().Count() > 1, "jitter spreads the waits");
        Assert.True(all.Where((_, i) => i % 9 == 0).Distinct().Count() > 1, "jitter spreads the first wait across runs");
    }

    [Fact]
    public async Task A_run_resumed_after_a_restart_makes_only_the_attempts_left_from_a_grown_base_delay()
    {
        var options = Options with { MaxAttempts = 6, MaxDelay = TimeSpan.FromMinutes(5) };
        var fresh = await RunAsync(options, 0, AlwaysFails, randomizer: () => 0.5);
        var resumed = await RunAsync(options, 4, AlwaysFails, randomizer: () => 0.5);

        Assert.Equal(2, resumed.Attempts);
        var wait = Assert.Single(resumed.Waits);
        Assert.Equal(fresh.Waits[0].TotalMilliseconds * 16, wait.TotalMilliseconds, 1.0);
        Assert.Equal(TimeSpan.FromSeconds(16), new DeliverySchedule(options, TimeProvider.System).BaseDelayAfter(4));
        Assert.Equal(options.MaxDelay, new DeliverySchedule(options, TimeProvider.System).BaseDelayAfter(30));
    }

    [Fact]
    public async Task The_last_attempt_left_is_made_once_without_a_retry()
    {
        var (waits, attempts, error) = await RunAsync(Options, 9, AlwaysFails);

        Assert.Equal(1, attempts);
        Assert.Empty(waits);
        Assert.IsType<DeliveryRefusedException>(error);
        Assert.Equal(0, new DeliverySchedule(Options, TimeProvider.System).AttemptsLeft(10));
    }

    [Fact]
    public async Task An_attempt_that_outlives_its_timeout_is_abandoned_and_retried()
    {
        var (waits, attempts, error) = await RunAsync(Options, 0, async (attempt, token) =>
        {
            if (attempt == 1)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }
        });

        Assert.Null(error);
        Assert.Equal(2, attempts);
        Assert.Single(waits);
    }

    [Fact]
    public async Task A_notice_settled_elsewhere_stops_the_run_without_retrying()
    {
        var (waits, attempts, error) = await RunAsync(Options, 0, (_, _) => throw new NoticeSettledException());

        Assert.Equal(1, attempts);
        Assert.Empty(waits);
        Assert.IsType<NoticeSettledException>(error);
    }

    [Fact]
    public async Task An_attempt_cancelled_on_its_own_is_a_failed_attempt_and_retried()
    {
        var (waits, attempts, error) = await RunAsync(Options, 0, (attempt, _) => attempt == 1 ? throw new TaskCanceledException("socket gave up") : ValueTask.CompletedTask);

        Assert.Null(error);
        Assert.Equal(2, attempts);
        Assert.Single(waits);
    }

    [Fact]
    public async Task A_service_that_stops_while_waiting_ends_the_run_without_another_attempt()
    {
        using var stopping = new CancellationTokenSource();

        var (waits, attempts, error) = await RunAsync(Options, 0, AlwaysFails, stopping: stopping);

        Assert.Equal(1, attempts);
        Assert.Single(waits);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
    }

    [Fact]
    public void Configuration_is_read_from_the_notification_section_and_nonsense_is_refused()
    {
        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notification:MaxAttempts"] = "3",
            ["Notification:BaseDelay"] = "00:00:00.500",
        }).Build();
        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notification:BaseDelay"] = "00:10:00",
            ["Notification:MaxDelay"] = "00:01:00",
        }).Build();

        var options = DeliveryOptions.FromConfiguration(good);

        Assert.Equal(3, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.BaseDelay);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxDelay);
        Assert.Throws<InvalidOperationException>(() => DeliveryOptions.FromConfiguration(bad));
    }
}
