using System.Text.Json;
using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults.Http;
using MassTransit;
using MassTransit.Middleware.Rescue;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// First on every consume pipe: a body that does not parse, is nested deeper than HTTP allows or is not an object is
/// refused before any consumer reads it, with the same field errors HTTP gives.
/// </summary>
public sealed class CommandBodyCheck : IFilter<ConsumeContext>
{
    private const string EnvelopeContentType = "application/vnd.masstransit+json";

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
        Refusal(context.ReceiveContext) is { } refused ? throw refused : next.Send(context);

    public void Probe(ProbeContext context) => context.CreateFilterScope("commandBodyCheck");

    /// <summary>Why the body cannot be a command at all (see <see cref="MalformedBody.Check"/>), or null.</summary>
    public static InvalidCommandException? Refusal(ReceiveContext context) =>
        MalformedBody.Check(context.Body.GetBytes(), string.Equals(context.ContentType?.MediaType, EnvelopeContentType, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The contract type the message was sent as: the exchange it was published to (<c>AuditPlatform.Contracts:RecordDisclosure</c>),
    /// which is what an integrator's plain JSON has; null when it came another way.
    /// </summary>
    public static Type? ContractType(ReceiveContext context)
    {
        var name = ContractName(context);
        return name is null ? null : typeof(RecordDisclosure).Assembly.GetType($"{typeof(RecordDisclosure).Namespace}.{name}");
    }

    /// <summary>The contract's name (<c>RecordDisclosure</c>) from the exchange the message was published to.</summary>
    public static string? ContractName(ReceiveContext context)
    {
        var prefix = typeof(RecordDisclosure).Namespace + ":";
        return context.TryGetPayload<RabbitMqBasicConsumeContext>(out var amqp) && amqp.Exchange?.StartsWith(prefix, StringComparison.Ordinal) == true
            ? amqp.Exchange[prefix.Length..]
            : null;
    }
}

/// <summary>
/// First in the error pipe: a message the serializer could not read into its contract type (a field of the wrong
/// type, a JSON <c>null</c>) goes to <c>_error</c> with the field errors HTTP gives, not the serializer's own words.
/// </summary>
public sealed class MalformedCommandReason : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (context.Exception is InvalidCommandException)
        {
            return next.Send(context);
        }

        var refused = CommandBodyCheck.Refusal(context)
            ?? (Find<JsonException>(context.Exception) is { } json ? MalformedBody.From(json, CommandBodyCheck.ContractType(context), context.Body.GetBytes()) : null);
        return next.Send(refused is null ? context : new RescueExceptionReceiveContext(context, refused));
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("malformedCommandReason");

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
