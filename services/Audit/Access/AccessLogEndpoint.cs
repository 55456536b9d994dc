using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Npgsql;

namespace AuditPlatform.Audit.Access;

public sealed record AccessEntry(DateTimeOffset At, string By, string Path);

/// <summary><c>/audit/access-log</c> (admin): who asked the Audit service what, as <see cref="AccessLog"/> recorded it.</summary>
public static class AccessLogEndpoint
{
    public static void MapAccessLog(this RouteGroupBuilder audit) =>
        audit.MapGet("/access-log", Access).AcceptsQuery("by", "from", "to").RequireAuthorization(Policies.Administer).WithSummary("Who asked the Audit service what, and when.");

    private static async Task<IResult> Access(string? by, string? from, string? to, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Plain("by", by);
        var (since, until) = (errors.Instant("from", from), errors.Instant("to", to));
        errors.Ordered("from", since, "to", until);
        if (errors.Any)
        {
            return AuditEndpoints.Invalid(errors);
        }
        await using var command = dataSource.CreateCommand(
            "select at, by, path from audit.access_log where ($1::text is null or by = $1) and ($2::timestamptz is null or at >= $2) " +
            "and ($3::timestamptz is null or at <= $3) order by id desc limit 1000");
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)by ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)since ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)until ?? DBNull.Value });
        var entries = new List<AccessEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AccessEntry(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2)));
        }

        return TypedResults.Ok(new { entries });
    }
}
