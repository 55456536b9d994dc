using System.Diagnostics;
using System.Runtime.CompilerServices;
using Marten;
using Marten.Services;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AuditPlatform.ServiceDefaults.Telemetry;

public static class TelemetrySetup
{
    /// <summary>The anonymous Prometheus scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Traces, metrics and logs over OpenTelemetry; exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, metrics also scrapeable at /metrics.</summary>
    public static IServiceCollection AddPlatformTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });
        // One JSON object per line on the console too, with the trace and span ids of the request or message.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("auditplatform-" + serviceName))
            .WithTracing(t =>
            {
                // Spans are kept without an exporter too: their trace ids are in every log line and in the ledger's
                // event headers, so a disclosure and its notices share one story either way.
                t.AddSource(PlatformTelemetry.Name, "MassTransit", "Marten")
                    .AddAspNetCoreInstrumentation(o => o.Filter = c => !c.Request.Path.StartsWithSegments("/health") && !c.Request.Path.StartsWithSegments(MetricsPath))
                    .AddHttpClientInstrumentation();
                if (exporting)
                {
                    // A span per statement, carrying the whole text of Marten's batches, has no reader but an exporter:
                    // without one it was the largest single allocation of a command (docs/performance.md).
                    t.AddNpgsql();
                }
            })
            .WithMetrics(m => m
                .AddMeter(PlatformTelemetry.Name, "MassTransit", "Marten")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        if (exporting)
        {
            telemetry.UseOtlpExporter();
        }

        builder.Services.AddSingleton(new ServiceIdentity(serviceName));
        builder.Services.AddSingleton<PlatformMetrics>();
        builder.Services.ConfigureMarten((sp, o) => o.Listeners.Add(new LedgerAppendTimer(sp.GetRequiredService<PlatformMetrics>())));
        builder.Services.AddConsumeObserver<ConsumerLagObserver>();
        return builder.Services;
    }

    /// <summary>
    /// Maps the Prometheus scrape endpoint, anonymous like /health: it carries counts by command type, reason,
    /// level and outcome, never partner data, and scrapers do not hold platform tokens. Keep it off public ingress.
    /// </summary>
    public static WebApplication MapPlatformMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        return app;
    }

    /// <summary>Times each session commit that appends events, from the start of SaveChanges to its commit.</summary>
    private sealed class LedgerAppendTimer(PlatformMetrics metrics) : DocumentSessionListenerBase
    {
        private readonly ConditionalWeakTable<IDocumentSession, StrongBox<long>> started = [];

        public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
        {
            if (session.PendingChanges.Streams().Any())
            {
                started.AddOrUpdate(session, new StrongBox<long>(Stopwatch.GetTimestamp()));
            }

            return Task.CompletedTask;
        }

        public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            if (started.TryGetValue(session, out var start))
            {
                started.Remove(session);
                metrics.Appended(Stopwatch.GetElapsedTime(start.Value));
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Queue consumer lag: time from a message being sent to a consumer starting on it.</summary>
    private sealed class ConsumerLagObserver(PlatformMetrics metrics) : IConsumeObserver
    {
        public Task PreConsume<T>(ConsumeContext<T> context)
            where T : class
        {
            if (context.SentTime is { } sent)
            {
                metrics.Consuming(DateTime.UtcNow - sent.ToUniversalTime(), typeof(T).Name, context.ReceiveContext.InputAddress?.AbsolutePath.Trim('/'));
            }

            return Task.CompletedTask;
        }

        public Task PostConsume<T>(ConsumeContext<T> context)
            where T : class => Task.CompletedTask;

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;
    }
}
