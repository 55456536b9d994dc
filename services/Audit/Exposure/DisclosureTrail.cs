using System.Runtime.CompilerServices;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.Audit.StoredEvents;
using Npgsql;

namespace AuditPlatform.Audit.Exposure;

/// <summary>The SQL of <c>/audit/exposure</c>.</summary>
internal static class DisclosureTrail
{
    /// <summary>
    /// A disclosure's own stream and the streams of its handling notices (where acknowledgements land), with world
    /// time at or before <paramref name="until"/>, in sequence order. Found through <c>mt_events_audit_disclosure</c>.
    /// </summary>
    public static async IAsyncEnumerable<LedgerEvent> ReadAsync(NpgsqlDataSource dataSource, string disclosureId, DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Two index lookups joined by union: written as one OR, PostgreSQL scans the whole ledger (620 ms on 1M events).
        await using var command = dataSource.CreateCommand($$"""
            select * from (
                select {{LedgerRows.Columns}} from ledger.mt_events where stream_id = 'disclosure/' || $1
                union all
                select {{LedgerRows.Columns}} from ledger.mt_events
                where stream_id in (select n.stream_id from ledger.mt_events n
                    where n.data->>'{{StoredField.NoticeDisclosureId}}' = $1 and n.type = '{{NoticeCreated.StoredName}}')
            ) trail
            where coalesce((data::jsonb->>'{{StoredField.OccurredAt}}')::timestamptz, timestamp) <= $2
            order by seq_id
            """);
        command.Parameters.AddWithValue(disclosureId);
        command.Parameters.AddWithValue(until);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return LedgerRows.Read(reader);
        }
    }
}
