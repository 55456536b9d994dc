using System.Text;
using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults.Security;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// In the error pipe, before the token is taken off: when the refused command's token names an integrator's partner,
/// publishes <see cref="CommandRefused"/> so Notification tells that partner on its own queue. The sender
/// cannot read the <c>_error</c> queues, which hold other partners' commands. A caller with no token, an invalid one
/// or no partner gets no notice; the notice never carries the token or the body.
/// </summary>
public sealed partial class RefusalNotices(IServiceProvider services) : IFilter<ExceptionReceiveContext>
{
    /// <summary>The reason a partner is given for a failure that is not a refusal: the details stay with the operators.</summary>
    public const string UnexpectedReason = "The platform could not process the command; its operators have it, with the reason, in the error queue.";

    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        try
        {
            if (await NoticeForAsync(context) is { } notice)
            {
                await services.GetRequiredService<IBus>().Publish(notice, context.CancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The refused message still goes to _error; the operators can tell the partner from there.
            NoticeFailed(services.GetRequiredService<ILogger<RefusalNotices>>(), e, context.GetMessageId());
        }

        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("refusalNotices");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the refusal notice for message {MessageId}")]
    private static partial void NoticeFailed(ILogger logger, Exception exception, Guid? messageId);

    private async Task<CommandRefused?> NoticeForAsync(ExceptionReceiveContext context)
    {
        var command = CommandBodyCheck.ContractName(context);
        if (command is null || !context.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp))
        {
            return null;
        }

        var caller = await services.GetRequiredService<BusCaller>().TryIdentifyAsync(Authorization(amqp), context.CancellationToken);
        if (caller is null || !caller.IsIntegrator() || caller.Partner() is not { Length: > 0 } partner)
        {
            return null;
        }

        var messageId = string.IsNullOrWhiteSpace(amqp.Properties.MessageId) ? null : amqp.Properties.MessageId;
        var invalid = context.Exception as InvalidCommandException;
        return new CommandRefused
        {
            NoticeId = messageId is null ? Guid.CreateVersion7() : NameBasedIds.From($"auditplatform/command-refused/{partner}/{command}/{messageId}"),
            Partner = partner,
            MessageId = messageId,
            Command = command,
            Problem = invalid?.ProblemType ?? "error",
            Reason = invalid?.Message ?? UnexpectedReason,
            Errors = invalid?.Errors.ToDictionary(e => e.Key, e => e.Value) ?? [],
            RefusedAt = services.GetRequiredService<TimeProvider>().GetUtcNow(),
        };
    }

    private static string? Authorization(RabbitMqBasicConsumeContext amqp)
    {
        var headers = amqp.Properties.Headers;
        var value = headers?.FirstOrDefault(h => string.Equals(h.Key, BusCaller.Header, StringComparison.OrdinalIgnoreCase)).Value;
        return value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            _ => null,
        };
    }
}
