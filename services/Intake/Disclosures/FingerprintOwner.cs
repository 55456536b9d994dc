using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace AuditPlatform.Intake.Disclosures;

/// <summary>
/// Which disclosure a recipient's fingerprint belongs to, keyed by the fingerprint: attribution of a breach is a
/// primary-key lookup. (A GIN index over every disclosure document did the same job at a cost on every write.)
/// </summary>
public sealed record FingerprintOwner(string Id, Guid DisclosureId);

/// <summary>One <see cref="FingerprintOwner"/> per recipient of a recorded disclosure, in the same transaction.</summary>
public sealed class FingerprintOwnerProjection : MultiStreamProjection<FingerprintOwner, string>
{
    public FingerprintOwnerProjection()
    {
        Identities<DisclosureRecorded>(e => [.. e.Recipients.Select(r => r.Fingerprint)]);
    }

    public override FingerprintOwner? Evolve(FingerprintOwner? snapshot, string id, IEvent e) =>
        snapshot ?? (e.Data is DisclosureRecorded recorded ? new FingerprintOwner(id, recorded.DisclosureId) : null);
}

/// <summary>
/// <c>migrate</c>: fills the fingerprint owners of disclosures recorded before the projection existed, once
/// (when there are disclosures and no owners yet). Idempotent: a fingerprint always names the same disclosure.
/// </summary>
public sealed class FingerprintOwnerBackfill : ILedgerMigration
{
    private const int Batch = 1_000;

    public async Task ApplyAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        await using var query = store.QuerySession();
        if (await query.Query<FingerprintOwner>().AnyAsync(cancellationToken) || !await query.Query<Disclosure>().AnyAsync(cancellationToken))
        {
            return;
        }

        var pending = new List<FingerprintOwner>(Batch);
        await foreach (var disclosure in query.Query<Disclosure>().Where(d => d.Status == Disclosure.Recorded).ToAsyncEnumerable(cancellationToken))
        {
            pending.AddRange(disclosure.Fingerprints.Select(f => new FingerprintOwner(f, disclosure.DisclosureId)));
            if (pending.Count >= Batch)
            {
                await StoreAsync(store, pending, cancellationToken);
            }
        }

        await StoreAsync(store, pending, cancellationToken);
    }

    private static async Task StoreAsync(IDocumentStore store, List<FingerprintOwner> owners, CancellationToken cancellationToken)
    {
        if (owners.Count == 0)
        {
            return;
        }

        await using var session = store.LightweightSession();
        session.Store<FingerprintOwner>(owners);
        await session.SaveChangesAsync(cancellationToken);
        owners.Clear();
    }
}
