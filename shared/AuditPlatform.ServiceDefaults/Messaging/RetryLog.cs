using AuditPlatform.ServiceDefaults.Ledger;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// What the consumers' retries log, instead of MassTransit's <c>R-RETRY</c> Warning with a stack trace on every attempt
/// (category <c>MassTransit.ReceiveTransport</c>, at Error in every service's <c>appsettings.json</c>; a message that
/// goes to <c>_error</c> is still logged there). A lost race decided again on fresh state is Debug: it lands once, and
/// under two replicas writing the same streams it was thousands of warnings an hour. A message held while the ledger is
/// unavailable is one Warning when its hold begins, saying what PostgreSQL is short of, and an Information line every
/// minute it goes on. Any other retry is a Warning with its exception, as before.
/// </summary>
public sealed partial class RetryLog(ILogger<RetryLog> logger) : IRetryObserver
{
    /// <summary>Holds of one message between two "still held" lines (at 2 s each, a minute).</summary>
    public const int HoldsPerLine = 30;

    public Task PostCreate<T>(RetryPolicyContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task PostFault<T>(RetryContext<T> context)
        where T : class, PipeContext
    {
        var (address, messageId) = context.Context is ConsumeContext consume ? (consume.ReceiveContext.InputAddress, consume.MessageId) : (null, null);
        // The first retry of a message is attempt 1 (the try that failed before it was the message's first delivery).
        var attempt = context.RetryAttempt;
        if (LedgerFailures.IsLostRace(context.Exception))
        {
            LogLostRace(logger, messageId, address, attempt);
        }
        else if (LedgerFailures.Shortage(context.Exception) is { } shortage)
        {
            if (attempt <= 1)
            {
                LogHeld(logger, messageId, address, shortage);
            }
            else if (attempt % HoldsPerLine == 0)
            {
                LogStillHeld(logger, messageId, address, attempt, shortage);
            }
        }
        else
        {
            LogRetry(logger, context.Exception, messageId, address, attempt);
        }

        return Task.CompletedTask;
    }

    public Task PreRetry<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task RetryFault<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    public Task RetryComplete<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Message {MessageId} on {InputAddress} lost a race for its stream (attempt {Attempt}); it is decided again on fresh state")]
    private static partial void LogLostRace(ILogger logger, Guid? messageId, Uri? inputAddress, int attempt);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Message {MessageId} on {InputAddress} is held: {Shortage}; it is tried again every 2 s")]
    private static partial void LogHeld(ILogger logger, Guid? messageId, Uri? inputAddress, string shortage);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Message {MessageId} on {InputAddress} is still held after {Attempt} attempts: {Shortage}")]
    private static partial void LogStillHeld(ILogger logger, Guid? messageId, Uri? inputAddress, int attempt, string shortage);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Message {MessageId} on {InputAddress} failed (attempt {Attempt}); it is tried again")]
    private static partial void LogRetry(ILogger logger, Exception exception, Guid? messageId, Uri? inputAddress, int attempt);
}
