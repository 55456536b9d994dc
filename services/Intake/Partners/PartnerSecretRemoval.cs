using AuditPlatform.ServiceDefaults.Ledger;
using Marten;
using Npgsql;

namespace AuditPlatform.Intake.Partners;

/// <summary>
/// Intake once kept each partner's webhook secret in plaintext (<c>mt_doc_partnersecret</c>) and its SHA-256 in the
/// partner document. Notification now holds the secret alone, sealed; this removes both from Intake's
/// schema. Safe to run again.
/// </summary>
public sealed class PartnerSecretRemoval(NpgsqlDataSource dataSource) : ILedgerMigration
{
    public async Task ApplyAsync(IDocumentStore store, CancellationToken cancellationToken)
    {
        var schema = store.Options.DatabaseSchemaName;
        await using var command = dataSource.CreateCommand(
            $"drop table if exists {schema}.mt_doc_partnersecret; " +
            $"update {schema}.mt_doc_partner set data = data - 'WebhookSecretSha256' where data ? 'WebhookSecretSha256';");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
