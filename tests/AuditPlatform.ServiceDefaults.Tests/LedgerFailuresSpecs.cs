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
