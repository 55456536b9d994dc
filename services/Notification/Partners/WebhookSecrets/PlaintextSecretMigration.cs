using AuditPlatform.ServiceDefaults.Ledger;
using Marten;
using Npgsql;

namespace AuditPlatform.Notification.Partners.WebhookSecrets;

/// <summary>
/// Partner channels once kept the webhook secret Intake published, in plaintext. This seals each one as the
/// partner's current secret (unless one was already set here) and removes it from the channel document, so
/// webhook partners registered while the secret still travelled on the bus keep receiving signed notices. Safe to run again.
/// </summary>
public sealed class PlaintextSecretMigration(NpgsqlDataSource dataSource, SecretSeal seal, TimeProvider clock) : ILedgerMigration
{
    public async Task ApplyAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        var channels = $"{store.Options.DatabaseSchemaName}.mt_doc_partnerchannel";
        var plaintext = new List<(string Partner, string Secret)>();
        await using (var select = dataSource.CreateCommand($"select id, data->>'WebhookSecret' from {channels} where data->>'WebhookSecret' is not null"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                plaintext.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        await using (var session = store.LightweightSession())
        {
            foreach (var (partner, secret) in plaintext)
            {
                if (await session.LoadAsync<WebhookSecret>(partner, cancellationToken) is null)
                {
                    session.Store(seal.Close(partner, new SigningSecrets(secret, null, null, clock.GetUtcNow())));
                }
            }

            await session.SaveChangesAsync(cancellationToken);
        }

        await using var strip = dataSource.CreateCommand($"update {channels} set data = data - 'WebhookSecret' where data ? 'WebhookSecret'");
        await strip.ExecuteNonQueryAsync(cancellationToken);
    }
}
