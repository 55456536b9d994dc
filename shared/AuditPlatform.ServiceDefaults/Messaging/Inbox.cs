using Marten;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>A message a consumer has already applied; stored in the same transaction as its effect.</summary>
public sealed class ProcessedMessage
{
    public required string Id { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}

/// <summary>
/// Exactly-once effects over at-least-once delivery: the consumer's work and the record that the
/// message was handled commit together, so a redelivered message is recognised and dropped.
/// </summary>
public static class Inbox
{
    /// <summary>
    /// True when this consumer has not handled the message before; the mark is saved with the session.
    /// A concurrent duplicate loses on the primary key at commit and is retried, then dropped here.
    /// </summary>
    public static async Task<bool> FirstDeliveryAsync(this IDocumentSession session, string consumer, Guid? messageId, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (messageId is null)
        {
            return true;
        }

        // The mark is read in the transaction that will save it and the message's effects (one commit, not two).
        await session.BeginTransactionAsync(cancellationToken);
        var id = $"{consumer}/{messageId:D}";
        if (await session.LoadAsync<ProcessedMessage>(id, cancellationToken) is not null)
        {
            return false;
        }

        session.Insert(new ProcessedMessage { Id = id, ProcessedAt = clock.GetUtcNow() });
        return true;
    }
}
