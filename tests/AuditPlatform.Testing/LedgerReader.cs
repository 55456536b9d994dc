using System.Text.Json;
using Npgsql;

namespace AuditPlatform.Testing;

/// <summary>A row of the ledger as PostgreSQL holds it.</summary>
public sealed record LedgerRow(long Sequence, string StreamKey, long Version, string Type, JsonElement Data, DateTimeOffset RecordedAt);

/// <summary>Reads the ledger table directly, so tests assert what was really committed.</summary>
public sealed class LedgerReader(string connectionString)
{
    public async Task<IReadOnlyList<LedgerRow>> ReadAsync(string? streamKey = null, string? type = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select seq_id, stream_id, version, type, data::text, timestamp from ledger.mt_events " +
            "where ($1::text is null or stream_id = $1) and ($2::text is null or type = $2) order by seq_id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)streamKey ?? DBNull.Value, DataTypeName = "text" });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)type ?? DBNull.Value, DataTypeName = "text" });
        var rows = new List<LedgerRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var data = JsonDocument.Parse(reader.GetString(4));
            rows.Add(new LedgerRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), data.RootElement.Clone(), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return rows;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
