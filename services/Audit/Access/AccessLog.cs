using System.Security.Claims;
using Npgsql;

namespace AuditPlatform.Audit.Access;

/// <summary>
/// Every authenticated request to <c>/audit/*</c> is recorded (who, path and query, when) before it is answered. The
/// record is written while the question is being answered, not before it is asked: the answer cannot start until the
/// record has committed, so a reader never sees a byte that is not in the log, and a request costs the longer of the two
/// round trips instead of both.
/// </summary>
public static partial class AccessLog
{
    public static void UseAccessLog(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!context.Request.Path.StartsWithSegments("/audit", StringComparison.Ordinal) || context.User.Identity?.IsAuthenticated != true)
        {
            await next(context);
            return;
        }

        var record = RecordAsync(context);
        context.Response.OnStarting(() => AnswerAfterAsync(record, context));
        try
        {
            await next(context);
        }
        finally
        {
            // An answer that never started (one with no body) is held here instead; a record that failed under an answer
            // that did start can only be an error answer, which OnStarting let through.
            if (!context.Response.HasStarted)
            {
                await record;
            }
        }
    });

    public static string Who(ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? "unknown";

    private static async Task RecordAsync(HttpContext context)
    {
        var dataSource = context.RequestServices.GetRequiredService<NpgsqlDataSource>();
        var clock = context.RequestServices.GetRequiredService<TimeProvider>();
        await using var command = dataSource.CreateCommand("insert into audit.access_log (at, by, path) values ($1, $2, $3)");
        command.Parameters.AddWithValue(clock.GetUtcNow());
        command.Parameters.AddWithValue(Who(context.User));
        command.Parameters.AddWithValue(context.Request.Path.Value + context.Request.QueryString.Value);
        await command.ExecuteNonQueryAsync(context.RequestAborted);
    }

    /// <summary>
    /// Holds the answer until its record commits. If the record failed, an answer that carries data must not go out:
    /// the exception makes the server refuse its writes and answer 500 instead. An error answer (5xx: the ledger is
    /// unavailable, say, which is usually why the record failed too) discloses nothing and goes out as it is.
    /// </summary>
    private static async Task AnswerAfterAsync(Task record, HttpContext context)
    {
        try
        {
            await record;
        }
        catch (Exception exception) when (context.Response.StatusCode >= StatusCodes.Status500InternalServerError && exception is not OperationCanceledException)
        {
            NotRecorded(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AccessLog)), exception, context.Request.Path.Value);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The access to {Path} was not recorded; the error answer goes out without it")]
    private static partial void NotRecorded(ILogger logger, Exception exception, string? path);
}
