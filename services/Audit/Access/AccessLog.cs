using System.Security.Claims;
using Npgsql;

namespace AuditPlatform.Audit.Access;

/// <summary>
/// Every authenticated request to <c>/audit/*</c> is recorded (who, path and query, when) before it is answered; a
/// request whose record fails is not answered (AccessLogTests). Writing the record beside the query, with the answer
/// held until the record commits, was measured and not kept: no difference in timeline latency (docs/performance.md).
/// </summary>
public static class AccessLog
{
    public static void UseAccessLog(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/audit", StringComparison.Ordinal) && context.User.Identity?.IsAuthenticated == true)
        {
            var dataSource = context.RequestServices.GetRequiredService<NpgsqlDataSource>();
            var clock = context.RequestServices.GetRequiredService<TimeProvider>();
            await using var command = dataSource.CreateCommand("insert into audit.access_log (at, by, path) values ($1, $2, $3)");
            command.Parameters.AddWithValue(clock.GetUtcNow());
            command.Parameters.AddWithValue(Who(context.User));
            command.Parameters.AddWithValue(context.Request.Path.Value + context.Request.QueryString.Value);
            await command.ExecuteNonQueryAsync(context.RequestAborted);
        }

        await next(context);
    });

    public static string Who(ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? "unknown";
}
