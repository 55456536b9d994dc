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

public static class InvalidCommandHandlerExtensions
{
    public static IServiceCollection AddInvalidCommandHandler(this IServiceCollection services) => services.AddExceptionHandler<InvalidCommandHandler>();
}
