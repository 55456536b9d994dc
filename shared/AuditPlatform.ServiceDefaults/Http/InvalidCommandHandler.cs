using AuditPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.ServiceDefaults.Http;

/// <summary>
/// An <see cref="InvalidCommandException"/> that escapes an endpoint is the caller's error, not ours:
/// it is answered with its problem details (400 or 422), never a 500.
/// </summary>
internal sealed class InvalidCommandHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not InvalidCommandException invalid)
        {
            return false;
        }

        await Problems.From(invalid).ExecuteAsync(httpContext);
        return true;
    }
}

/// <summary>
/// Two requests wrote the same stream at once and this one lost the optimistic concurrency check: nothing
/// of it was saved, and repeating it is safe (a create with a client id then replays). 409, never a 500.
/// </summary>
internal sealed class ConcurrentWriteHandler : IExceptionHandler
{
    public static bool IsConcurrentWrite(Exception exception) => exception switch
    {
        JasperFx.ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or Marten.Exceptions.ConcurrentUpdateException => true,
        Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation } => true,
        { InnerException: { } inner } => IsConcurrentWrite(inner),
        _ => false,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsConcurrentWrite(exception))
        {
            return false;
        }

        await Problems.Refusal(StatusCodes.Status409Conflict, "concurrent-write", "Another request changed the same record at the same moment.",
            "Nothing of this request was saved; repeating it is safe.").ExecuteAsync(httpContext);
        return true;
    }
}

public static class InvalidCommandHandlerExtensions
{
    public static IServiceCollection AddInvalidCommandHandler(this IServiceCollection services) =>
        services.AddExceptionHandler<InvalidCommandHandler>().AddExceptionHandler<ConcurrentWriteHandler>();
}
