using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// A bus partner's durable queue <c>partner.&lt;code&gt;</c>. Intake declares it before answering the partner's
/// registration, so an integrator can subscribe the moment <c>PUT /partners/{code}</c> returns;
/// Notification declares it again before sending. Both must use the same arguments: RabbitMQ refuses a
/// redeclaration with different ones (PRECONDITION_FAILED).
/// </summary>
public static class PartnerQueueTopology
{
    public static string For(string partner) => "partner." + partner;

    public static Task DeclareAsync(IChannel channel, string queue, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var arguments = configuration.GetValue("Bus:QuorumQueues", false) ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" } : null;
        return channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
    }
}
