using MassTransit;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// Runs before a refused message is moved to its <c>_error</c> queue: removes the sender's bearer token
/// (<c>Authorization</c>), so the error queues keep the message and the reason but no credential anyone could replay.
/// </summary>
public sealed class WithoutCredentials : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (context.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp) && amqp.Properties.Headers is { } headers)
        {
            foreach (var key in headers.Keys.Where(k => string.Equals(k, BusCallerHeader, StringComparison.OrdinalIgnoreCase)).ToList())
            {
                headers.Remove(key);
            }
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("withoutCredentials");

    private const string BusCallerHeader = "Authorization";
}
