using Npgsql;

namespace AuditPlatform.Testing;

/// <summary>Searches every row of every table outside PostgreSQL's own schemas for a piece of text.</summary>
public static class DatabaseScan
{
    /// <summary>The tables (<c>schema.table</c>) with a row whose text form contains any of the needles.</summary>
    public static async Task<IReadOnlyList<string>> TablesContainingAsync(string connectionString, params string[] needles)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "select quote_ident(table_schema) || '.' || quote_ident(table_name) from information_schema.tables " +
            "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var found = new List<string>();
        foreach (var table in tables)
        {
            // A row's text form holds every column, bytea as hex: the needles include the hex of the text.
            await using var search = new NpgsqlCommand($"select exists (select 1 from {table} t where strpos(t::text, any_needle) > 0) from unnest($1::text[]) any_needle", connection);
            search.Parameters.Add(new NpgsqlParameter { Value = needles, DataTypeName = "text[]" });
            await using var reader = await search.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (reader.GetBoolean(0))
                {
                    found.Add(table);
                    break;
                }
            }
        }

        return found;
    }
}
