using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.ServiceDefaults;

/// <summary>The whole of a service's Program.cs.</summary>
public static class PlatformService
{
    /// <summary>
    /// Builds the service on the defaults, adds its own parts, maps its endpoints and runs it; with the argument
    /// <c>migrate</c>, declares its bus topology and applies its schema instead, then exits.
    /// </summary>
    public static async Task RunAsync(string[] args, string serviceName, Action<WebApplicationBuilder> compose, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults(serviceName);
        compose(builder);
        var app = builder.Build();
        app.UseServiceDefaults();
        map(app);
        await app.RunServiceAsync(args);
    }
}

/// <summary>What every service's composition calls once.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Largest request body any endpoint accepts; larger ones are answered 413.</summary>
    public const long MaxRequestBodyBytes = 256 * 1024;

    /// <summary>Auth, problem details, OpenAPI, health and telemetry; the ledger and the bus are added by the service.</summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName)
    {
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.TraceId.ToString() ?? c.HttpContext.TraceIdentifier);
            // Framework problems point at RFC 9110 sections; ours name the platform's own problem types.
            if (c.ProblemDetails.Type is null || c.ProblemDetails.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                c.ProblemDetails.Type = Problems.Type(c.ProblemDetails.Status switch
                {
                    StatusCodes.Status400BadRequest => "bad-request",
                    StatusCodes.Status401Unauthorized => "unauthorized",
                    StatusCodes.Status403Forbidden => "forbidden",
                    StatusCodes.Status404NotFound => "not-found",
                    StatusCodes.Status413PayloadTooLarge => "payload-too-large",
                    StatusCodes.Status409Conflict => "conflict",
                    StatusCodes.Status422UnprocessableEntity => "unprocessable",
                    _ => "error",
                });
            }
        });
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.MaxDepth = MalformedBody.MaxDepth;
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        builder.Services.AddInvalidCommandHandler();
        builder.Services.AddOpenApi();
        builder.Services.AddPlatformHealth();
        builder.AddPlatformAuth();
        builder.Services.AddSingleton<BusCaller>();
        builder.AddPlatformTelemetry(serviceName);
        return builder;
    }

    /// <summary>Error handling, auth, health and the OpenAPI document, in the order they must run.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.Use(SecurityHeaders.Apply);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(RefuseOversizeBodies);
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(QueryParameters.RefuseUnknownAsync);
        app.MapPlatformHealth();
        app.MapOpenApi().AllowAnonymous();
        app.MapPlatformMetrics();
        return app;
    }

    // Kestrel enforces the limit in production; this also answers early, with problem details, and in test hosts.
    private static Task RefuseOversizeBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return Task.CompletedTask;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBodyBytes;
        }

        return next(context);
    }
}
