using AuditPlatform.ServiceDefaults.Ledger;

namespace AuditPlatform.ServiceDefaults.Tests;

public class LedgerFailuresSpecs
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

        Assert.Equal(shortage, LedgerFailures.Shortage(wrapped));
        Assert.True(LedgerFailures.IsUnavailable(wrapped));
    }

    [Fact]
    public async Task Every_host_of_a_multi_host_connection_string_down_makes_the_ledger_unavailable_on_every_attempt()
    {
        // Two loopback ports nothing listens on, as when every PostgreSQL member of the cluster restarts. The first
        // attempt tries both and fails with their causes; the next ones, while Npgsql still holds both hosts down, fail
        // at once with no cause at all (how 177 bus commands went to _error in a cluster battery's PostgreSQL restart).
        var ports = string.Join(',', FreePorts(2).Select(p => $"127.0.0.1:{p}"));
        await using var dataSource = new Npgsql.NpgsqlDataSourceBuilder(
            $"Host={ports};Username=nobody;Password=none;Database=none;Target Session Attributes=primary;Host Recheck Seconds=60;Timeout=2")
            .BuildMultiHost();
        var first = await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(async () => await dataSource.OpenConnectionAsync());
        var next = await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(async () => await dataSource.OpenConnectionAsync());

        Assert.NotNull(first.InnerException);
        Assert.Null(next.InnerException);
        Assert.Equal("PostgreSQL cannot be reached", LedgerFailures.Shortage(first));
        Assert.Equal("no PostgreSQL server can take writes", LedgerFailures.Shortage(new InvalidOperationException("the append failed", next)));
    }

    private static List<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((System.Net.IPEndPoint)l.LocalEndpoint).Port).ToList();
        listeners.ForEach(l => l.Stop());
        return ports;
    }

    [Theory]
    [InlineData("23505")]
    [InlineData("40P01")]
    [InlineData("40001")]
    [InlineData("42P01")]
    public void A_constraint_a_lost_race_or_a_bug_is_not_a_shortage(string sqlState)
    {
        Assert.Null(LedgerFailures.Shortage(Refused(sqlState)));
        Assert.False(LedgerFailures.IsUnavailable(new InvalidOperationException("a bug")));
    }
}
