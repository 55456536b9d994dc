using AuditPlatform.ServiceDefaults.Telemetry;
using MassTransit;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Counts every message a consumer refused or failed on, by type and reason, whatever the consumer;
/// <see cref="PlatformMetrics.Rejected"/> also writes its one log line, and the message keeps the full
/// reason in its <c>_error</c> queue.
/// </summary>
internal sealed class RejectionObserver(PlatformMetrics metrics) : IConsumeObserver
{
    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class
    {
        // A refusal the command handler decided is counted there, once; this counts what failed before or around it.
        if (exception is not InvalidCommandException { Counted: true })
        {
            metrics.Rejected(typeof(T).Name, "bus", exception is InvalidCommandException invalid ? invalid.ProblemType : exception.GetType().Name);
        }

        return Task.CompletedTask;
    }
}
