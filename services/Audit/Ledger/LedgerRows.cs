using System.Runtime.CompilerServices;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.StoredEvents;
using Npgsql;
using NpgsqlTypes;

namespace AuditPlatform.Audit.Ledger;

/// <summary>The filters of <c>/audit/events</c> and <c>/audit/export</c>.</summary>
public sealed record EventFilter(
    string? StreamKind = null, string? StreamId = null, string? Partner = null, string? Type = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, DateTimeOffset? AsOf = null, long After = 0);

/// <summary>Raw rows of <c>ledger.mt_events</c>, read with keyset paging on the global sequence and streamed.</summary>
public sealed class LedgerRows(NpgsqlDataSource dataSource)
{
    /// <summary>The stream Marten writes its tombstones to (placeholders for sequence numbers no event took).</summary>
    public const string TombstoneStream = "mt_tombstone";

    /// <summary>The columns <see cref="Read"/> reads, in its order; the slices that hold their own SQL select them too.</summary>
    internal const string Columns = "seq_id, id, stream_id, version, type, timestamp, data::text";

    /// <summary>
    /// <c>partner=</c> matches the partner's own stream (<c>partner/&lt;code&gt;</c>) and any event whose body names it in
    /// <c>Partner</c>, <c>AttributedPartner</c>, the arrays <c>ExposureSet</c>, <c>Partners</c>, or a recipient's <c>Partner</c>.
    /// Each branch of that OR has its own index (<see cref="AuditSchema"/>), looked up through <see cref="PartnerCandidates"/>.
    /// World time (<c>from</c>/<c>to</c>) is the body's <c>OccurredAt</c>, or
    /// the recorded time for a body without one.
    /// </summary>
    private const string Filters = $$"""
        ($2::text is null or split_part(stream_id, '/', 1) = $2)
          and ($3::text is null or stream_id = $4)
          and ($5::text is null or stream_id = 'partner/' || $5 or data->>'{{StoredField.Partner}}' = $5 or data->>'{{StoredField.AttributedPartner}}' = $5
               or data->'{{StoredField.Recipients}}' @> jsonb_build_array(jsonb_build_object('{{StoredField.RecipientPartner}}', $5))
               or data->'{{StoredField.BlockedRecipients}}' ? $5 or data->'{{StoredField.ExposureSet}}' ? $5 or data->'{{StoredField.CasePartners}}' ? $5)
          and ($6::text is null or type = $6)
          and ($7::timestamptz is null or coalesce((data->>'{{StoredField.OccurredAt}}')::timestamptz, timestamp) >= $7)
          and ($8::timestamptz is null or coalesce((data->>'{{StoredField.OccurredAt}}')::timestamptz, timestamp) <= $8)
          and ($9::timestamptz is null or timestamp <= $9)
        """;

    /// <summary>
    /// With <c>partner=</c>, the same branches as one index lookup each: written only as the OR above, PostgreSQL cannot
    /// estimate the jsonb operators and walks the primary key through the whole ledger (1.3 s on 1.3M events). The OR
    /// stays in <see cref="Filters"/>, so what matches is unchanged; this only says where to look.
    /// </summary>
    private const string PartnerCandidates = $$"""
          and seq_id in (
              select seq_id from ledger.mt_events where stream_id = 'partner/' || $5 and seq_id > $1
              union all select seq_id from ledger.mt_events where data->>'{{StoredField.Partner}}' = $5 and seq_id > $1
              union all select seq_id from ledger.mt_events where data->>'{{StoredField.AttributedPartner}}' = $5 and seq_id > $1
              union all select seq_id from ledger.mt_events
                  where data->'{{StoredField.Recipients}}' @> jsonb_build_array(jsonb_build_object('{{StoredField.RecipientPartner}}', $5)) and seq_id > $1
              union all select seq_id from ledger.mt_events where data->'{{StoredField.BlockedRecipients}}' ? $5 and seq_id > $1
              union all select seq_id from ledger.mt_events where data->'{{StoredField.ExposureSet}}' ? $5 and seq_id > $1
              union all select seq_id from ledger.mt_events where data->'{{StoredField.CasePartners}}' ? $5 and seq_id > $1)
        """;

    public IAsyncEnumerable<LedgerEvent> ReadAsync(EventFilter filter, int? limit, CancellationToken cancellationToken) =>
        KeysetAsync(filter.After, 10_000, limit, (after, take) => PageCommand(filter, after, take), cancellationToken);

    /// <summary>One keyset page of <see cref="ReadAsync"/>: the rows after <paramref name="after"/> that match, <paramref name="take"/> at most.</summary>
    internal NpgsqlCommand PageCommand(EventFilter filter, long after, int take)
    {
        var (range, order, value, others) = IndexRange(filter);
        // Along an index range, the range's own lower bound says "after" (IndexRange); the partner's candidates still need it.
        var where = range.Length == 0 || filter.Partner is not null ? "where seq_id > $1 and " + Filters : "where " + Filters;
        var command = dataSource.CreateCommand(
            $"select {Columns} from ledger.mt_events {where} {range} {(filter.Partner is null ? string.Empty : PartnerCandidates)} order by {order} limit {take}");
        AddParameters(command, others, after);
        if (value is not null)
        {
            Add(command, NpgsqlDbType.Text, value);
        }

        return command;
    }

    /// <summary>
    /// With <c>type=</c> or <c>streamKind=</c> (and no stream id), the page is read along that filter's index, from the
    /// key (value, <c>after</c> + 1) on, as a range of rows in that index's order ($10 is the value). How the range is
    /// written is about the planner's estimates, which a ledger that only grows keeps stale at its newest end:
    /// <list type="bullet">
    /// <item>The range stands for the filter's equality and for <c>seq_id &gt; after</c>, both left out of the query
    /// (<c>Others</c> is the filter without the equality). Given the equality, the planner knows the index's first
    /// column is one value, so the primary key gives the same order, and it walked the primary key from <c>after</c>
    /// and filtered: reading to the end of the ledger where the value no longer occurs (78-425 ms for a page of
    /// <c>streamKind=intelligence</c> where the index answers in 0.1 ms), and where it does, trusting a count of the
    /// newest rows taken at the last ANALYZE (695 estimated, 65,708 read: 51-59 ms). Any condition on <c>seq_id</c>
    /// alone, even one always true, also made the index scan start at the value's first row instead of at the key.</item>
    /// <item>PostgreSQL estimates a row comparison by its first column alone. Strict bounds read as "kinds after this
    /// one" times "kinds before it", next to nothing, and under that estimate a bitmap scan of the whole range and a sort
    /// looked cheaper than the index in order (150-650 ms near the end of a 1M-event ledger, against 0.3 ms). Inclusive
    /// bounds estimate at least the value's own share of the ledger, whatever <c>after</c> is.</item>
    /// </list>
    /// </summary>
    private static (string Range, string Order, string? Value, EventFilter Others) IndexRange(EventFilter f)
    {
        const string last = "9223372036854775807";
        if (f.StreamId is not null)
        {
            return (string.Empty, "seq_id", null, f);
        }

        if (f.Type is not null)
        {
            return ($"and (type, seq_id) >= ($10, $1 + 1) and (type, seq_id) <= ($10, {last})", "type, seq_id", f.Type, f with { Type = null });
        }

        return f.StreamKind is null
            ? (string.Empty, "seq_id", null, f)
            : ($"and (split_part(stream_id, '/', 1), seq_id) >= ($10, $1 + 1) and (split_part(stream_id, '/', 1), seq_id) <= ($10, {last})",
                "split_part(stream_id, '/', 1), seq_id", f.StreamKind, f with { StreamKind = null });
    }

    /// <summary>
    /// Every raw row with a sequence in [<paramref name="from"/>, <paramref name="to"/>] that the chain covers, streamed
    /// in keyset pages of 10,000: every row but a Marten tombstone (stream <c>mt_tombstone</c>, the placeholder Marten
    /// writes into a sequence number a failed append reserved) that the chain never took. Marten may write one after
    /// the high-water mark, and so the chain, went past that number; it says nothing, and verification and proofs
    /// would otherwise count it as an insertion. A chained row is always read, whatever it claims to be: a real event
    /// rewritten as a tombstone is still compared with its leaf.
    /// </summary>
    public IAsyncEnumerable<LedgerEvent> RangeAsync(long from, long to, CancellationToken cancellationToken) =>
        KeysetAsync(from - 1, 10_000, null, (after, take) =>
        {
            var command = dataSource.CreateCommand($"""
                select {Columns} from ledger.mt_events e where seq_id > $1 and seq_id <= $2
                  and (stream_id is distinct from '{TombstoneStream}' or exists (select 1 from audit.chain c where c.sequence = e.seq_id))
                order by seq_id limit {take}
                """);
            command.Parameters.AddWithValue(after);
            command.Parameters.AddWithValue(to);
            return command;
        }, cancellationToken);

    /// <summary>
    /// Keyset paging on <c>seq_id</c>: each page is the command for (last sequence read, rows wanted), until a page
    /// comes back short or <paramref name="limit"/> rows were read.
    /// </summary>
    private static async IAsyncEnumerable<LedgerEvent> KeysetAsync(
        long after, int page, int? limit, Func<long, int, NpgsqlCommand> pageCommand, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long remaining = limit ?? long.MaxValue;
        while (remaining > 0)
        {
            var take = (int)Math.Min(page, remaining);
            var read = 0;
            await using (var command = pageCommand(after, take))
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

    /// <summary>Whether the ledger holds any event of the stream, recorded at any time.</summary>
    public async Task<bool> HoldsStreamAsync(string streamKey, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select exists (select 1 from ledger.mt_events where stream_id = $1)");
        command.Parameters.AddWithValue(streamKey);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
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
        reader.GetFieldValue<DateTimeOffset>(5), Utf8(reader, 6));

    /// <summary>A text column's bytes as they came (UTF-8, the connection's encoding), not decoded into a string.</summary>
    private static byte[] Utf8(NpgsqlDataReader reader, int ordinal)
    {
        using var column = reader.GetStream(ordinal);
        var bytes = new byte[column.Length];
        column.ReadExactly(bytes);
        return bytes;
    }

    private static void AddParameters(NpgsqlCommand command, EventFilter f, long after)
    {
        var key = f.StreamKind is not null && f.StreamId is not null ? $"{f.StreamKind}/{f.StreamId}" : null;
        command.Parameters.AddWithValue(after);
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
