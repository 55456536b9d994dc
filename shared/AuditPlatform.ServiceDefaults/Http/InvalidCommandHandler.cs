using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
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
/// Two requests wrote the same stream at once and this one lost the race (<see cref="LedgerFailures.IsLostRace"/>): nothing
/// of it was saved, and repeating it is safe (a create with a client id then replays). 409, never a 500.
/// </summary>
internal sealed class ConcurrentWriteHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!LedgerFailures.IsLostRace(exception))
        {
            return false;
        }

        await Problems.Refusal(StatusCodes.Status409Conflict, "concurrent-write", "Another request changed the same record at the same moment.",
            "Nothing of this request was saved; repeating it is safe.").ExecuteAsync(httpContext);
        return true;
    }
}

/// <summary>
/// A request the endpoint could not bind: JSON of the wrong shape, a field of the wrong type, no body, a
/// route or query value that does not parse. Answered as validation problem details naming the field and what it
/// must be, as <see cref="FieldErrors"/> does for values of the right type; never a bare 400.
/// </summary>
internal sealed partial class BadRequestHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint();
        var invalid = bad.StatusCode != StatusCodes.Status400BadRequest ? null
            : bad.InnerException is System.Text.Json.JsonException json ? MalformedBody.From(json, endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType)
            : Unbound(bad.Message);
        // Anything else the framework refused (415 for a body that is not JSON, say) keeps its status, as problem details.
        await (invalid is null ? TypedResults.Problem(statusCode: bad.StatusCode) : Problems.From(invalid)).ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>The framework's own messages for a missing body or a route, query or header value that did not parse.</summary>
    private static InvalidCommandException? Unbound(string message)
    {
        if (MissingBody().IsMatch(message))
        {
            return MalformedBody.NotAnObject();
        }

        var parameter = UnparsedParameter().Match(message);
        return parameter.Success
            ? new InvalidCommandException("validation", MalformedBody.Title, new Dictionary<string, string[]>
            {
                [parameter.Groups["name"].Value] = [ExpectationOf(parameter.Groups["type"].Value)],
            })
            : null;
    }

    private static string ExpectationOf(string typeName) => typeName.TrimEnd('?') switch
    {
        "Guid" => MalformedBody.Expectation(typeof(Guid)),
        "DateTimeOffset" or "DateTime" => MalformedBody.Expectation(typeof(DateTimeOffset)),
        "int" or "long" or "Int32" or "Int64" => MalformedBody.Expectation(typeof(long)),
        "bool" or "Boolean" => MalformedBody.Expectation(typeof(bool)),
        _ => $"must be a valid {typeName.TrimEnd('?')}.",
    };

    [System.Text.RegularExpressions.GeneratedRegex("^Required parameter \"[^\"]+\" was not provided from body\\.?$|^Implicit body inferred for parameter .* but no body was provided")]
    private static partial System.Text.RegularExpressions.Regex MissingBody();

    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>\\S+) (?<name>[^\"]+)\" from")]
    private static partial System.Text.RegularExpressions.Regex UnparsedParameter();
}

/// <summary>
/// The ledger cannot take the request now (PostgreSQL unreachable, restarting, or out of connections, disk or memory):
/// 503 with <c>Retry-After</c>, never a 500, so a client knows to repeat it. A command repeated with the same id is
/// recorded once.
/// </summary>
internal sealed class LedgerUnavailableHandler : IExceptionHandler
{
    /// <summary>Seconds a client is asked to wait: about what a PostgreSQL restart or a failover takes.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (LedgerFailures.Shortage(exception) is not { } shortage)
        {
            return false;
        }

        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Problems.Refusal(StatusCodes.Status503ServiceUnavailable, "ledger-unavailable", "The ledger cannot take this request now.",
            $"{shortage}. Repeat the request after {RetryAfterSeconds} s; a command repeated with the same id is recorded once.").ExecuteAsync(httpContext);
        return true;
    }
}

public static class InvalidCommandHandlerExtensions
{
    public static IServiceCollection AddInvalidCommandHandler(this IServiceCollection services) =>
        services.AddExceptionHandler<InvalidCommandHandler>().AddExceptionHandler<ConcurrentWriteHandler>().AddExceptionHandler<BadRequestHandler>()
            .AddExceptionHandler<LedgerUnavailableHandler>()
            // Binding failures are thrown to the handler above instead of answered as a bare 400 by the framework.
            .Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
}
