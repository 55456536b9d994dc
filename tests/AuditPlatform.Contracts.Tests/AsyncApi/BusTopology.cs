using System.Text;

namespace AuditPlatform.Contracts.Tests.AsyncApi;

/// <summary>Who sends a contract message and which services consume it.</summary>
/// <param name="IsCommand">A command (plain JSON accepted, sender's token checked) rather than an event the ledger forwarder publishes.</param>
/// <param name="Senders">Who publishes it to its exchange.</param>
/// <param name="Consumers">Services with a queue bound to it, <c>&lt;service&gt;-&lt;message in kebab case&gt;</c>.</param>
/// <param name="NeedsToken">Whether the AMQP header <c>Authorization: Bearer &lt;JWT&gt;</c> is required.</param>
/// <param name="Published">How it comes to be published, when not by a ledger forwarder after its event is committed.</param>
public sealed record Route(bool IsCommand, IReadOnlyList<string> Senders, IReadOnlyList<string> Consumers, bool NeedsToken = false, string? Published = null);

/// <summary>
/// The bus as the services set it up: MassTransit's RabbitMQ topology (a fanout exchange per message type named
/// <c>AuditPlatform.Contracts:&lt;Type&gt;</c>, one queue per consumer named by
/// <c>KebabCaseEndpointNameFormatter(service)</c>, an <c>_error</c> queue beside each), plus Notification's
/// <c>partner.&lt;code&gt;</c> queues. The services named as senders and consumers are checked against the services'
/// event tables (EventTableDriftTests), which also generate the RabbitMQ permissions (deploy/bus-permissions.txt).
/// </summary>
public static class BusTopology
{
    public const string Namespace = "AuditPlatform.Contracts";

    public static readonly IReadOnlyDictionary<string, Route> Routes = new Dictionary<string, Route>(StringComparer.Ordinal)
    {
        [nameof(RecordDisclosure)] = new(true, ["integrators (partner-<CODE>, for their own originator)", "operators' tools"], ["intake"], NeedsToken: true),
        [nameof(ReportBreach)] = new(true, ["operators' tools"], ["intake"], NeedsToken: true),
        [nameof(RecordPartnerResponse)] = new(true, ["integrators (partner-<CODE>, for their own partner)", "operators' tools"], ["notification"], NeedsToken: true),
        [nameof(AcknowledgeNotice)] = new(true, ["integrators (partner-<CODE>, for their own notices)"], ["notification"], NeedsToken: true),
        [nameof(SuspendSharing)] = new(true, ["escalation"], ["intake"]),
        [nameof(RestoreSharing)] = new(true, ["escalation"], ["intake"]),
        [nameof(PartnerRegistered)] = new(false, ["intake"], ["notification", "escalation"]),
        [nameof(DisclosureRecorded)] = new(false, ["intake"], ["notification"]),
        [nameof(SharingBlocked)] = new(false, ["intake"], []),
        [nameof(BreachReported)] = new(false, ["intake"], ["notification", "escalation"]),
        [nameof(HandlingDeadlineMissed)] = new(false, ["intake"], ["escalation"]),
        [nameof(SharingSuspended)] = new(false, ["intake"], ["notification", "escalation"]),
        [nameof(SharingRestored)] = new(false, ["intake"], ["notification", "escalation"]),
        [nameof(PartnerNotified)] = new(false, ["notification"], []),
        [nameof(NoticeAcknowledged)] = new(false, ["notification"], []),
        [nameof(DiplomaticResponseRecorded)] = new(false, ["notification"], ["escalation"]),
        [nameof(EscalationOpened)] = new(false, ["escalation"], []),
        [nameof(EscalationRaised)] = new(false, ["escalation"], []),
        [nameof(EscalationResolved)] = new(false, ["escalation"], []),
        [nameof(CheckpointSigned)] = new(false, ["audit"], []),
        [nameof(CommandRefused)] = new(false, ["intake", "notification"], ["notification"],
            Published: "A service that refused an integrator's bus command publishes CommandRefused as it moves the command to `_error`; Notification puts it on the sender's `partner.<code>` queue. Not recorded in the ledger."),
    };

    /// <summary>The message types of the contracts assembly: its public records, less those only used inside another's fields.</summary>
    public static IReadOnlyList<Type> MessageTypes { get; } = FindMessageTypes();

    public static string ExchangeFor(string message) => $"{Namespace}:{message}";

    public static string QueueFor(string service, string message) => $"{service}-{Kebab(message)}";

    public static string ErrorQueueFor(string queue) => queue + "_error";

    /// <summary>MassTransit's kebab case: a dash before each upper-case letter that follows a lower-case one or a digit.</summary>
    public static string Kebab(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])))
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static List<Type> FindMessageTypes()
    {
        var records = typeof(RecordDisclosure).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetMethod("<Clone>$") is not null)
            .ToList();
        var parts = records
            .SelectMany(t => t.GetProperties())
            .Select(p => p.PropertyType)
            .SelectMany(t => t.IsGenericType ? t.GetGenericArguments() : [t])
            .ToHashSet();
        return [.. records.Where(t => !parts.Contains(t)).OrderBy(t => t.Name, StringComparer.Ordinal)];
    }
}
