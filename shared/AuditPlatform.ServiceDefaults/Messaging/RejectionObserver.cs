using AuditPlatform.ServiceDefaults.Telemetry;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Counts and logs every message a consumer refused or failed on, once per delivery attempt that faults,
/// so operators see rejected commands by type and reason whatever the consumer.
/// </summary>
internal sealed partial class RejectionObserver(ILogger<RejectionObserver> logger) : IConsumeObserver
{
    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class
    {
        var reason = exception is InvalidCommandException invalid ? invalid.ProblemType : exception.GetType().Name;
        PlatformMetrics.Rejected(typeof(T).Name, "bus", reason);
        LogRejected(logger, typeof(T).Name, context.MessageId, reason, exception.Message);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Command} message {MessageId}: {Reason}: {Detail}")]
    private static partial void LogRejected(ILogger logger, string command, Guid? messageId, string reason, string detail);
}
