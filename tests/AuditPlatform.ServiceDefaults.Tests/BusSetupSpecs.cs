using AuditPlatform.ServiceDefaults.Messaging;
using MassTransit;
using MassTransit.RabbitMqTransport.Configuration;
using RabbitMQ.Client.Exceptions;

namespace AuditPlatform.ServiceDefaults.Tests;

public class BusSetupSpecs
{
    private static IRabbitMqHostConfiguration HostWithReconnect(TimeSpan interval)
    {
        IRabbitMqHostConfiguration? host = null;
        // Building a bus connects nothing: it is only started by the host.
        Bus.Factory.CreateUsingRabbitMq(cfg => host = BusSetup.ReconnectEvery(cfg, interval));
        return host ?? throw new InvalidOperationException("the bus was not configured");
    }

    [Fact]
    public void Receive_endpoints_try_a_lost_broker_again_at_the_interval_for_as_long_as_the_service_runs()
    {
        var policy = HostWithReconnect(TimeSpan.FromSeconds(1)).ReceiveTransportRetryPolicy;
        var exponential = Assert.IsType<MassTransit.RetryPolicies.ExponentialRetryPolicy>(policy);

        Assert.Equal(int.MaxValue, exponential.RetryLimit);
        // The first try and the hundredth wait the same: about a second, with MassTransit's ±25 % jitter.
        Assert.All([0, 1, 5, 100, 100_000], n => Assert.InRange(exponential.GetRetryInterval(n), TimeSpan.FromSeconds(0.75), TimeSpan.FromSeconds(1.25)));
    }

    [Fact]
    public void Reconnecting_retries_what_MassTransit_retries_and_not_a_refused_login()
    {
        var policy = HostWithReconnect(TimeSpan.FromSeconds(1)).ReceiveTransportRetryPolicy;

        Assert.True(policy.IsHandled(new RabbitMqConnectionException("Broker unreachable: rabbitmq://127.0.0.1/audit")));
        Assert.False(policy.IsHandled(new AuthenticationFailureException("ACCESS_REFUSED")));
        Assert.False(policy.IsHandled(new InvalidOperationException("a bug")));
    }

    [Theory]
    [InlineData(60, 30)]
    [InlineData(61, 31)]
    [InlineData(0, 1)]
    public void A_message_the_ledger_cannot_take_is_held_for_the_configured_time_in_tries_two_seconds_apart(int seconds, int tries)
    {
        Assert.Equal(tries, BusSetup.HoldAttempts(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void The_default_hold_ends_before_RabbitMQ_would_take_back_an_unacknowledged_delivery()
    {
        // RabbitMQ's consumer_timeout (30 minutes unless the broker is configured otherwise) closes the channel of a
        // delivery held longer; the hold must give the message to _error with its reason before that.
        var consumerTimeout = TimeSpan.FromMinutes(30);

        Assert.True(BusSetup.HoldAttempts(BusSetup.DefaultHoldWhileLedgerUnavailable) * BusSetup.LedgerRetryInterval < consumerTimeout);
    }
}
