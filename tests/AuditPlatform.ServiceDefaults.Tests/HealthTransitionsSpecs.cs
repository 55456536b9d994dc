using AuditPlatform.ServiceDefaults.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AuditPlatform.ServiceDefaults.Tests;

public class HealthTransitionsSpecs
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly Lines lines = new();

    private static HealthReport Report(HealthStatus postgresql, HealthStatus bus = HealthStatus.Healthy) => new(
        new Dictionary<string, HealthReportEntry>
        {
            ["postgresql"] = new(postgresql, postgresql == HealthStatus.Healthy ? "PostgreSQL answers." : "PostgreSQL does not answer: refused", TimeSpan.Zero, null, null),
            ["masstransit-bus"] = new(bus, bus == HealthStatus.Healthy ? "Ready" : "Not ready: not started", TimeSpan.Zero, null, null),
        },
        TimeSpan.Zero);

    [Fact]
    public void An_outage_probed_again_and_again_is_one_warning_and_one_line_when_it_ends()
    {
        var transitions = new HealthTransitions(clock, lines);
        transitions.Observe(Report(HealthStatus.Healthy));
        for (var probe = 0; probe < 20; probe++)
        {
            transitions.Observe(Report(HealthStatus.Unhealthy));
            clock.Advance(TimeSpan.FromSeconds(0.5));
        }

        transitions.Observe(Report(HealthStatus.Healthy));
        transitions.Observe(Report(HealthStatus.Healthy));

        Assert.Equal(
        [
            "Warning Health check postgresql is unhealthy: PostgreSQL does not answer: refused",
            "Information Health check postgresql is healthy again after 10.0 s",
        ], lines.Written);
    }

    [Fact]
    public void A_check_that_is_not_healthy_before_its_first_healthy_answer_is_starting_not_failing()
    {
        var transitions = new HealthTransitions(clock, lines);
        transitions.Observe(Report(HealthStatus.Healthy, HealthStatus.Unhealthy));
        transitions.Observe(Report(HealthStatus.Healthy, HealthStatus.Unhealthy));
        clock.Advance(TimeSpan.FromSeconds(1.2));
        transitions.Observe(Report(HealthStatus.Healthy, HealthStatus.Healthy));
        transitions.Observe(Report(HealthStatus.Healthy, HealthStatus.Degraded));

        Assert.Equal(
        [
            "Information Health check masstransit-bus is unhealthy while the service starts: Not ready: not started",
            "Information Health check masstransit-bus is healthy again after 1.2 s",
            "Warning Health check masstransit-bus is degraded: Not ready: not started",
        ], lines.Written);
    }

    private sealed class Lines : ILogger<HealthTransitions>
    {
        public List<string> Written { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Written.Add($"{logLevel} {formatter(state, exception)}");
    }
}
