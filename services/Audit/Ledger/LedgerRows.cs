using System.Runtime.CompilerServices;
using AuditPlatform.Audit.Chain;
using Npgsql;
using NpgsqlTypes;

namespace AuditPlatform.Audit.Ledger;

/// <summary>The filters of <c>/audit/events</c> and <c>/audit/export</c>.</summary>
public sealed record EventFilter(
    string? StreamKind = null, string? StreamId = null, string? Partner = null, string? Type = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, DateTimeOffset? AsOf = null, long After = 0, long? UpTo = null);

/// <summary>Raw rows of <c>ledger.mt_events</c>, read with keyset paging on the global sequence and streamed.</summary>
public sealed class LedgerRows(NpgsqlDataSource dataSource)
{
    private const string Columns = "seq_id, id, stream_id, version, type, timestamp, data::text";

    /// <summary>
    /// <c>partner=</c> matches the partner's own stream (<c>partner/&lt;code&gt;</c>) and any event whose body names it in
    /// <c>Partner</c>, <c>AttributedPartner</c>, or the arrays <c>Recipients</c>, <c>ExposureSet</c>, <c>Partners</c>.
    /// </summary>
    private const string Where = """
        where seq_id > $1 and ($2::bigint is null or seq_id <= $2)
          and ($3::text is null or stream_id like $3 || '/%')
          and ($4::text is null or stream_id = $5)
          and ($6::text is null or stream_id = 'partner/' || $6 or data->>'Partner' = $6 or data->>'AttributedPartner' = $6
               or data->'Recipients' ? $6 or data->'ExposureSet' ? $6 or data->'Partners' ? $6)
          and ($7::text is null or type = $7)
          and ($8::timestamptz is null or (data->>'OccurredAt')::timestamptz >= $8)
          and ($9::timestamptz is null or (data->>'OccurredAt')::timestamptz <= $9)
          and ($10::timestamptz is null or timestamp <= $10)
        """;

    public async IAsyncEnumerable<LedgerEvent> ReadAsync(EventFilter filter, int? limit, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = filter.After;
        const int page = 1000;
        var remaining = limit ?? int.MaxValue;
        while (remaining > 0)
        {
            var take = Math.Min(page, remaining);
            await using var command = dataSource.CreateCommand($"select {Columns} from ledger.mt_events {Where} order by seq_id limit {take}");
            AddParameters(command, filter, after);
            var read = 0;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var e = Read(reader);
                    after = e.Sequence;
                    read++;
                    yield return e;
                }
            }

            remaining -= read;
            if (read < take)
            {
                yield break;
            }
        }
    }

    public async Task<LedgerEvent?> FindAsync(long sequence, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from ledger.mt_events where seq_id = $1");
        command.Parameters.AddWithValue(sequence);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public static LedgerEvent Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6));

    private static void AddParameters(NpgsqlCommand command, EventFilter f, long after)
    {
        var key = f.StreamKind is not null && f.StreamId is not null ? $"{f.StreamKind}/{f.StreamId}" : null;
        command.Parameters.AddWithValue(after);
        Add(command, NpgsqlDbType.Bigint, f.UpTo);
        Add(command, NpgsqlDbType.Text, key is null ? f.StreamKind : null);
        Add(command, NpgsqlDbType.Text, key);
        Add(command, NpgsqlDbType.Text, key);
        Add(command, NpgsqlDbType.Text, f.Partner);
        Add(command, NpgsqlDbType.Text, f.Type);
        Add(command, NpgsqlDbType.TimestampTz, f.From);
        Add(command, NpgsqlDbType.TimestampTz, f.To);
        Add(command, NpgsqlDbType.TimestampTz, f.AsOf);
    }

    private static void Add(NpgsqlCommand command, NpgsqlDbType type, object? value) =>
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type, Value = value ?? DBNull.Value });
}
