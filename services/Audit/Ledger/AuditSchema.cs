using AuditPlatform.Audit.StoredEvents;
using AuditPlatform.ServiceDefaults.Ledger;
using Marten;
using Npgsql;

namespace AuditPlatform.Audit.Ledger;

/// <summary>
/// Audit's own tables (the chain, checkpoints, what witnesses answered, the access log) and the indexes its queries need on the shared
/// ledger table. Applied by <c>audit migrate</c> as the schema owner, or at startup when the schema is applied then.
/// The <c>partner=</c> filter (<see cref="LedgerRows"/>) has an index for each branch of its OR (the stream, <c>Partner</c>,
/// <c>AttributedPartner</c>, <c>Recipients</c>, <c>ExposureSet</c>, <c>Partners</c>), looked up one by one; partial, so only
/// events carrying the field are indexed; built-in operators only, because every service's role evaluates them when it
/// appends and least privilege gives it nothing in the <c>audit</c> schema. Not <c>concurrently</c>: a concurrent build waits
/// for every transaction older than it, and a daemon leader of an older release keeps one open for as long as it leads;
/// a plain build holds appends for seconds.
/// </summary>
public sealed class AuditSchema(NpgsqlDataSource dataSource) : ILedgerMigration
{
    public const string Sql = $$"""
        create schema if not exists audit;
        create table if not exists audit.chain (
            position bigint primary key, sequence bigint not null unique, event_id uuid not null,
            leaf_hash bytea not null, chain_hash bytea not null);
        create table if not exists audit.checkpoints (
            sequence bigint primary key, size bigint not null, root text not null, signed_at timestamptz not null,
            signature text not null, public_key text not null);
        create unique index if not exists audit_checkpoints_size on audit.checkpoints (size);
        alter table audit.checkpoints add column if not exists note text, add column if not exists verifier_key text;
        create table if not exists audit.witness_outcomes (
            witness text not null, size bigint not null, sequence bigint not null, cosigned boolean not null, status int not null,
            detail text not null, fork boolean not null, at timestamptz not null, primary key (witness, size));
        create index if not exists audit_witness_outcomes_size on audit.witness_outcomes (size) where cosigned;
        create table if not exists audit.tree_nodes (
            level smallint not null, idx bigint not null, hash bytea not null, primary key (level, idx));
        create table if not exists audit.access_log (
            id bigserial primary key, at timestamptz not null, by text not null, path text not null);
        create index if not exists audit_access_log_by_at on audit.access_log (by, at);
        create index if not exists mt_events_audit_stream_seq on ledger.mt_events (stream_id text_pattern_ops, seq_id);
        create index if not exists mt_events_audit_type_seq on ledger.mt_events (type, seq_id);
        create index if not exists mt_events_audit_kind_seq on ledger.mt_events ((split_part(stream_id, '/', 1)), seq_id);
        create index if not exists mt_events_audit_recorded on ledger.mt_events (timestamp);
        create index if not exists mt_events_audit_partner on ledger.mt_events ((data->>'{{StoredField.Partner}}'), seq_id);
        create index if not exists mt_events_audit_disclosure on ledger.mt_events ((data->>'{{StoredField.NoticeDisclosureId}}'))
            where data->>'{{StoredField.NoticeDisclosureId}}' is not null;
        create index if not exists mt_events_audit_attributed on ledger.mt_events ((data->>'{{StoredField.AttributedPartner}}'))
            where data->>'{{StoredField.AttributedPartner}}' is not null;
        create index if not exists mt_events_audit_recipients on ledger.mt_events using gin ((data->'{{StoredField.Recipients}}'))
            where data->'{{StoredField.Recipients}}' is not null;
        create index if not exists mt_events_audit_exposure_set on ledger.mt_events using gin ((data->'{{StoredField.ExposureSet}}'))
            where data->'{{StoredField.ExposureSet}}' is not null;
        create index if not exists mt_events_audit_partners on ledger.mt_events using gin ((data->'{{StoredField.CasePartners}}'))
            where data->'{{StoredField.CasePartners}}' is not null;
        """;

    public Task ApplyAsync(IDocumentStore store, CancellationToken cancellationToken) => ApplyAsync(cancellationToken);

    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        // No time limit: an index added by a new release is built over the whole ledger, minutes on millions of events.
        await using var command = dataSource.CreateCommand(Sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
