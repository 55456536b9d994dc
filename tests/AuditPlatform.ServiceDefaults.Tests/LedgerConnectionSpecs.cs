using AuditPlatform.ServiceDefaults.Ledger;
using Npgsql;

namespace AuditPlatform.ServiceDefaults.Tests;

/// <summary>The ledger connection prepares repeated statements (planned per call only where the service asks), skips the pool's reset, names its service and keeps a small pool, unless the operator says otherwise.</summary>
public class LedgerConnectionSpecs
{
    private const string Given = "Host=127.0.0.1;Port=55432;Database=auditplatform;Username=audit_intake;Password=secret";

    [Fact]
    public void A_plain_connection_string_gets_prepared_statements_and_no_reset_on_close()
    {
        var tuned = new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given, "intake"));

        Assert.Equal(128, tuned.MaxAutoPrepare);
        Assert.Equal(2, tuned.AutoPrepareMinUsages);
        Assert.True(tuned.NoResetOnClose);
        Assert.Null(tuned.Options);
        Assert.Equal("audit_intake", tuned.Username);
        Assert.Equal("secret", tuned.Password);
        Assert.Equal(55432, tuned.Port);
        Assert.Equal("intake", tuned.ApplicationName);
        Assert.Equal(LedgerSetup.DefaultMaxPoolSize, tuned.MaxPoolSize);
    }

    [Theory]
    [InlineData("Maximum Pool Size=50", 50)]
    [InlineData("MaxPoolSize=7", 7)]
    [InlineData("maxpoolsize=3", 3)]
    public void The_operators_own_pool_size_wins(string own, int size)
    {
        Assert.Equal(size, new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given + ";" + own, "intake")).MaxPoolSize);
    }

    [Fact]
    public void Statements_planned_per_call_are_asked_for_by_the_plan_mode()
    {
        Assert.Equal("-c plan_cache_mode=force_custom_plan",
            new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given, "audit", StatementPlans.PerCall)).Options);
        Assert.Null(new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given, "intake", StatementPlans.Kept)).Options);
        Assert.Equal("-c plan_cache_mode=force_custom_plan",
            new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given + ";Max Auto Prepare=50", "audit", StatementPlans.PerCall)).Options);
    }

    [Fact]
    public void Other_startup_options_are_kept_beside_the_plan_mode()
    {
        Assert.Equal("-c statement_timeout=5000 -c plan_cache_mode=force_custom_plan",
            new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given + ";Options=-c statement_timeout=5000", "audit", StatementPlans.PerCall)).Options);
        Assert.Equal("-c statement_timeout=5000",
            new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given + ";Options=-c statement_timeout=5000", "intake")).Options);
        Assert.Equal("-c plan_cache_mode=auto",
            new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given + ";Options=-c plan_cache_mode=auto", "audit", StatementPlans.PerCall)).Options);
    }

    [Theory]
    [InlineData("Max Auto Prepare=0", 0, true)]
    [InlineData("maxautoprepare=5", 5, true)]
    [InlineData("No Reset On Close=false", 128, false)]
    [InlineData("Max Auto Prepare=0;NoResetOnClose=false", 0, false)]
    public void The_operators_own_settings_win(string own, int autoPrepare, bool noReset)
    {
        var tuned = new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given + ";" + own, "intake"));

        Assert.Equal(autoPrepare, tuned.MaxAutoPrepare);
        Assert.Equal(noReset, tuned.NoResetOnClose);
    }

    [Fact]
    public void The_operators_own_application_name_wins()
    {
        Assert.Equal("intake-eu-1", new NpgsqlConnectionStringBuilder(LedgerSetup.Tuned(Given + ";Application Name=intake-eu-1", "intake")).ApplicationName);
    }
}
