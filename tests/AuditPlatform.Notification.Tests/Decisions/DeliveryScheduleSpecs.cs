using AuditPlatform.Notification.Notices.Delivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Polly.Timeout;

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

    private static readonly DeliverySchedule Schedule = new(Options, TimeProvider.System);

    /// <summary>The waits after each failed attempt, with the jitter's draw fixed.</summary>
    private static List<TimeSpan?> Waits(DeliverySchedule schedule, double random) =>
        [.. Enumerable.Range(1, schedule.Options.MaxAttempts).Select(attempt => schedule.RetryAfter(attempt, random))];

    [Fact]
    public void A_notice_that_never_gets_through_is_tried_max_attempts_times_with_a_wait_before_each_retry()
    {
        var waits = Waits(Schedule, 0.5);

        Assert.All(waits.Take(9), w => Assert.NotNull(w));
        Assert.Null(waits[9]);
        Assert.Equal(1, Schedule.AttemptsLeft(9));
        Assert.Equal(0, Schedule.AttemptsLeft(10));
    }

    [Fact]
    public void Waits_double_from_the_base_delay_until_the_maximum()
    {
        var waits = Waits(Schedule, 0.5).Take(9).Select(w => w!.Value).ToList();

        Assert.Equal(Options.BaseDelay, waits[0]);
        var growing = waits.TakeWhile(w => w < Options.MaxDelay).ToList();
        Assert.Equal(6, growing.Count);
        Assert.All(growing.Zip(growing.Skip(1)), pair => Assert.Equal(pair.First * 2, pair.Second));
        Assert.All(waits.Skip(growing.Count), w => Assert.Equal(Options.MaxDelay, w));
    }

    [Fact]
    public void Jitter_spreads_each_wait_between_half_and_one_and_a_half_times_its_median_never_beyond_the_maximum()
    {
        Assert.Equal(Options.BaseDelay * 0.5, Schedule.RetryAfter(1, 0));
        Assert.Equal(Options.BaseDelay * 1.25, Schedule.RetryAfter(1, 0.75));
        Assert.Equal(TimeSpan.FromSeconds(16) * 1.499, Schedule.RetryAfter(5, 0.999));
        Assert.Equal(Options.MaxDelay, Schedule.RetryAfter(7, 0.999));
        Assert.Equal(TimeSpan.FromSeconds(16), Schedule.BaseDelayAfter(4));
        Assert.Equal(Options.MaxDelay, Schedule.BaseDelayAfter(30));

        var random = new Random(7);
        var firstWaits = Enumerable.Range(0, 50).Select(_ => Schedule.RetryAfter(1, random.NextDouble())!.Value).ToList();
        Assert.All(firstWaits, w => Assert.InRange(w, Options.BaseDelay * 0.5, Options.BaseDelay * 1.5));
        Assert.True(firstWaits.Distinct().Count() > 40, "notices that failed together are not retried together");
    }

    [Fact]
    public async Task An_attempt_that_outlives_its_timeout_is_abandoned_as_a_failed_attempt()
    {
        var clock = new FakeTimeProvider();
        var schedule = new DeliverySchedule(Options, clock);
        var attempt = schedule.Attempt.ExecuteAsync(async token => await Task.Delay(Timeout.InfiniteTimeSpan, token)).AsTask();

        clock.Advance(Options.AttemptTimeout - TimeSpan.FromMilliseconds(1));
        await Task.Yield();
        Assert.False(attempt.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => attempt);
    }

    [Fact]
    public async Task A_service_that_stops_during_an_attempt_cancels_it_and_it_is_not_a_failed_attempt()
    {
        using var stopping = new CancellationTokenSource();
        var attempt = Schedule.Attempt.ExecuteAsync(async token => await Task.Delay(Timeout.InfiniteTimeSpan, token), stopping.Token).AsTask();

        await stopping.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => attempt);
        Assert.IsNotType<TimeoutRejectedException>(error);
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
