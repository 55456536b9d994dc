using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// Where PostgreSQL's time goes over a scenario, per disclosure: <c>pg_stat_statements</c> reset when the scenario
/// starts and read when every effect of it is done. Each service connects under its own role, so the role names the
/// service. The leadership lock's watch on its own connection (a long <c>pg_sleep</c> that ends when the connection
/// is lost) waits rather than works, and is left out. Needs the module preloaded (deploy/local/lib.sh sets <c>shared_preload_libraries</c>); without it the
/// profile is reported as not available and the run goes on.
/// </summary>
public sealed partial class StatementProfile
{
    private const int Top = 12;
    private readonly string connection;

    private StatementProfile(string connection) => this.connection = connection;

    /// <summary>One statement (or one role's total) per disclosure.</summary>
    public sealed record Line(string Role, string Statement, double Calls, double Milliseconds, double Rows);

    /// <summary>Starts a profile of the platform's database, or says why it cannot.</summary>
    public static async Task<(StatementProfile? Profile, string? Why)> StartAsync(BenchOptions options)
    {
        var database = new NpgsqlConnectionStringBuilder(options.Ledger).Database!;
        var profile = new StatementProfile(options.AdminConnectionTo(database));
        try
        {
            await using var source = NpgsqlDataSource.Create(profile.connection);
            await using (var create = source.CreateCommand("create extension if not exists pg_stat_statements"))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using var reset = source.CreateCommand("select pg_stat_statements_reset()");
            await reset.ExecuteNonQueryAsync();
            return (profile, null);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.ObjectNotInPrerequisiteState or PostgresErrorCodes.UndefinedFile)
        {
            return (null, "pg_stat_statements is not loaded: restart PostgreSQL (deploy/local/down.sh, then up.sh) so lib.sh's settings apply");
        }
    }

    /// <summary>Per-role totals and the statements that took the most time, each divided by <paramref name="units"/>.</summary>
    public async Task<(IReadOnlyList<Line> Roles, IReadOnlyList<Line> Statements)> ReadAsync(long units)
    {
        await using var source = NpgsqlDataSource.Create(connection);
        var roles = await LinesAsync(source, units, """
            select r.rolname, '', sum(s.calls), sum(s.total_exec_time), sum(s.rows)
            from pg_stat_statements s join pg_roles r on r.oid = s.userid
            where r.rolname like 'audit\_%' and r.rolname <> 'audit_owner' and s.query not like '%pg_sleep%'
            group by r.rolname order by 4 desc
            """);
        var statements = await LinesAsync(source, units, $"""
            select r.rolname, s.query, s.calls, s.total_exec_time, s.rows
            from pg_stat_statements s join pg_roles r on r.oid = s.userid
            where r.rolname like 'audit\_%' and r.rolname <> 'audit_owner' and s.query not like '%pg_sleep%'
            order by s.total_exec_time desc limit {Top}
            """);
        return (roles, statements);
    }

    private static async Task<List<Line>> LinesAsync(NpgsqlDataSource source, long units, string sql)
    {
        var lines = new List<Line>();
        await using var command = source.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            double Per(int column) => units == 0 ? 0 : Convert.ToDouble(reader.GetValue(column), CultureInfo.InvariantCulture) / units;
            lines.Add(new Line(Service(reader.GetString(0)), Shorten(reader.GetString(1)), Per(2), Per(3), Per(4)));
        }

        return lines;
    }

    /// <summary>
    /// The profile in one line, for the rows it explains: each service's statements per disclosure and their time
    /// executing, the busiest first, and the two statements that took the most time.
    /// </summary>
    public static string Summary(IReadOnlyList<Line> roles, IReadOnlyList<Line> statements)
    {
        var byService = string.Join(", ", roles.Where(r => r.Calls >= 0.1).Select(r =>
            string.Create(CultureInfo.InvariantCulture, $"{r.Role} {r.Calls:0.0} statements per disclosure ({r.Milliseconds:0.00} ms executing)")));
        var costliest = string.Join("; ", statements.Take(2).Select(s =>
            string.Create(CultureInfo.InvariantCulture, $"{s.Role} `{(s.Statement.Length <= 60 ? s.Statement : s.Statement[..57] + "...")}` {s.Calls:0.0} per disclosure, {s.Milliseconds:0.00} ms")));
        return $"PostgreSQL's statements: {byService}; the costliest: {costliest}";
    }

    /// <summary>audit_notification → Notification.</summary>
    private static string Service(string role)
    {
        var name = role["audit_".Length..];
        return name.Length == 0 ? role : char.ToUpperInvariant(name[0]) + name[1..];
    }

    private static string Shorten(string query)
    {
        var flat = Whitespace().Replace(query, " ").Trim();
        return flat.Length <= 110 ? flat : flat[..107] + "...";
    }

    /// <summary>The profile as figures of the scenario (each role's totals) and a table of the top statements.</summary>
    public static void Report(Report report, string scenario, IReadOnlyList<Line> roles, IReadOnlyList<Line> statements)
    {
        foreach (var role in roles)
        {
            report.Add(new Figure(scenario, $"PostgreSQL per disclosure: {role.Role}'s statements", Math.Round(role.Calls, 1), "calls",
                Note: string.Create(CultureInfo.InvariantCulture, $"{role.Milliseconds:0.000} ms executing, {role.Rows:0.0} rows")));
        }

        var text = new StringBuilder();
        text.AppendLine("| Service | Statement | Calls per disclosure | ms per disclosure | Rows per disclosure |");
        text.AppendLine("|---|---|---:|---:|---:|");
        foreach (var line in statements)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {line.Role} | `{line.Statement.Replace("|", "\\|", StringComparison.Ordinal)}` | {line.Calls:0.00} | {line.Milliseconds:0.000} | {line.Rows:0.00} |");
        }

        report.Section("Top statements per disclosure (pg_stat_statements, saturated phase until every notice was delivered)", text.ToString());
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
