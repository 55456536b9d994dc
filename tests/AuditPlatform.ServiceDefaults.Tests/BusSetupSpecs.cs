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
}

public class LedgerShortageSpecs
{
    private static Npgsql.PostgresException Refused(string sqlState) => new("refused", "FATAL", "FATAL", sqlState);

    [Theory]
    [InlineData("53300", "PostgreSQL has no connection to spare")]
    [InlineData("53100", "PostgreSQL's disk is full")]
    [InlineData("53200", "PostgreSQL is out of memory")]
    [InlineData("53400", "PostgreSQL is out of a resource")]
    [InlineData("57P03", "PostgreSQL cannot be reached")]
    public void PostgreSQL_short_of_a_resource_or_away_makes_the_ledger_unavailable_and_says_why(string sqlState, string shortage)
    {
        // As Marten hands it on: wrapped.
        var wrapped = new InvalidOperationException("the append failed", Refused(sqlState));

        Assert.Equal(shortage, BusSetup.LedgerShortage(wrapped));
        Assert.True(BusSetup.LedgerUnavailable(wrapped));
    }

    [Theory]
    [InlineData("23505")]
    [InlineData("40P01")]
    [InlineData("40001")]
    [InlineData("42P01")]
    public void A_constraint_a_lost_race_or_a_bug_is_not_a_shortage(string sqlState)
    {
        Assert.Null(BusSetup.LedgerShortage(Refused(sqlState)));
        Assert.False(BusSetup.LedgerUnavailable(new InvalidOperationException("a bug")));
    }
}
