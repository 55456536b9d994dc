using Marten;

namespace AuditPlatform.ServiceDefaults.Messaging;

/// <summary>
/// One writer at a time for a read model document that several consumers read, change and store (a partner's record
/// kept from Intake's <c>PartnerRegistered</c>, <c>SharingSuspended</c> and <c>SharingRestored</c>, each consumed from a
/// queue of its own). Without it two consumers that load the same document at once each store their own change and the
/// later commit silently drops the earlier one: a partner registered and suspended within milliseconds could show as
/// active for good.
/// </summary>
public static class DocumentLock
{
    /// <summary>
    /// Takes a transaction-scoped advisory lock named after the document, in the session's transaction, before the
    /// document is read: a writer on another connection, in this process or another replica, waits until this one
    /// committed or rolled back, and then reads what it wrote.
    /// </summary>
    public static async Task LockAsync<TDocument>(this IDocumentSession session, string id, CancellationToken cancellationToken)
    {
        await session.BeginTransactionAsync(cancellationToken);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(hashtextextended(?, 0))", cancellationToken, $"{typeof(TDocument).FullName}/{id}");
    }
}
