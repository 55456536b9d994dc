using AuditPlatform.Audit.StoredEvents;
using Npgsql;
using NpgsqlTypes;

namespace AuditPlatform.Audit.Timeline;

/// <summary>The SQL of <c>/audit/streams</c>.</summary>
internal static class StreamSearch
{
    /// <summary>
    /// Streams of a kind whose id or first event's body contains <paramref name="text"/>, most recent first, each with
    /// the headline of its first event (its title, name, outlet, summary or source; empty when that event has none).
    /// </summary>
    public static async Task<List<(string Key, string Summary)>> FindAsync(NpgsqlDataSource dataSource, string? kind, string text, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            select stream_id, type, data::text from ledger.mt_events
            where version = 1 and ($1::text is null or stream_id like $1 || '/%')
              and (stream_id ilike '%' || $2 || '%' or data::text ilike '%' || $2 || '%')
            order by seq_id desc limit $3
            """);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)kind ?? DBNull.Value });
        command.Parameters.AddWithValue(text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal));
        command.Parameters.AddWithValue(limit);
        var found = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add((reader.GetString(0), Headline(reader.GetString(1), reader.GetString(2))));
        }

        return found;
    }

    private static string Headline(string storedName, string data) =>
        StoredEventReaders.Read(storedName, data) is IHasHeadline { Headline: { } headline } ? headline : string.Empty;
}
