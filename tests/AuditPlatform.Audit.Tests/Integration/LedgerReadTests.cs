using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// <c>ConnectionStrings:LedgerRead</c> routes Audit's read-only questions to another connection (in the cluster, the
/// standby). Here that connection is a second database holding a copy of one partner's stream under another code, so
/// which connection answered is plain from what comes back: the copy is only on the read side, the original only on the
/// ledger. Verification, which must read the chain and its rows together, and the access log, which writes, stay on the
/// ledger.
/// </summary>
public sealed class LedgerReadTests(AuditFixture fixture) : IClassFixture<AuditFixture>, IAsyncLifetime
{
    private const string Original = "LR-ORIGINAL";
    private const string Copy = "LR-READSIDE";
    private readonly string readDatabase = "r_" + Guid.NewGuid().ToString("N")[..16];
    private ServiceHost<AuditApp> reading = null!;
    private HttpClient readingClient = null!;

    public async Task InitializeAsync()
    {
        await fixture.RegisterAsync(Original);
        await Eventually.TrueAsync(async () => (await EventsAsync(fixture.Compliance, $"streamKind=partner&streamId={Original}")).Count > 0, "the partner in the ledger");

        await using (var admin = new NpgsqlConnection(fixture.Servers.PostgresAdmin))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {readDatabase}", admin);
            await create.ExecuteNonQueryAsync();
        }

        var read = new NpgsqlConnectionStringBuilder(fixture.Database) { Database = readDatabase }.ConnectionString;
        await CopyStreamAsync(read);
        var settings = fixture.AuditSettings();
        settings["ConnectionStrings:LedgerRead"] = read;
        reading = new ServiceHost<AuditApp>(fixture, settings);
        readingClient = reading.ClientFor(Roles.Compliance);
        await Eventually.TrueAsync(async () => (await readingClient.GetAsync("/health/ready")).IsSuccessStatusCode, "the reading Audit to be ready");
    }

    public async Task DisposeAsync()
    {
        await reading.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(fixture.Servers.PostgresAdmin);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists {readDatabase} with (force)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Audit's filters are optional ("$1 is null or ..."), and a generic plan of them walks the whole ledger: both of its
    /// connections ask PostgreSQL to plan each call for its values, while the other services keep their plans.
    /// </summary>
    [Fact]
    public async Task Both_connections_plan_each_query_for_its_values()
    {
        var sources = new[] { reading.Services.GetRequiredService<NpgsqlDataSource>(), reading.Services.GetRequiredKeyedService<NpgsqlDataSource>(LedgerRead.Key) };
        Assert.NotSame(sources[0], sources[1]);
        foreach (var source in sources)
        {
            await using var show = source.CreateCommand("show plan_cache_mode");
            Assert.Equal("force_custom_plan", (string?)await show.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task Events_export_timeline_and_search_are_answered_from_the_read_connection()
    {
        var partners = await EventsAsync(readingClient, "streamKind=partner");
        Assert.Contains(partners, e => e.GetProperty("streamId").GetString() == Copy);
        Assert.DoesNotContain(partners, e => e.GetProperty("streamId").GetString() == Original);

        var export = await readingClient.GetStringAsync("/audit/export?streamKind=partner");
        Assert.Contains($"\"streamId\":\"{Copy}\"", export, StringComparison.Ordinal);
        Assert.DoesNotContain($"\"streamId\":\"{Original}\"", export, StringComparison.Ordinal);

        var timeline = await readingClient.GetFromJsonAsync<JsonElement>($"/audit/timeline/partner/{Copy}");
        Assert.NotEqual(0, timeline.GetProperty("events").GetArrayLength());

        var found = await readingClient.GetFromJsonAsync<JsonElement>("/audit/streams?q=LR-");
        var ids = found.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Contains(Copy, ids);
        Assert.DoesNotContain(Original, ids);
    }

    [Fact]
    public async Task Without_the_setting_the_same_questions_are_answered_from_the_ledger()
    {
        var partners = await EventsAsync(fixture.Compliance, "streamKind=partner");
        Assert.Contains(partners, e => e.GetProperty("streamId").GetString() == Original);
        Assert.DoesNotContain(partners, e => e.GetProperty("streamId").GetString() == Copy);

        // The ledger has never held the copy's stream: not found, where the read connection answers it.
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Compliance.GetAsync($"/audit/timeline/partner/{Copy}")).StatusCode);
    }

    [Fact]
    public async Task Verification_and_the_access_log_stay_on_the_ledger()
    {
        await fixture.CheckpointAsync();
        var verdict = await readingClient.GetFromJsonAsync<JsonElement>("/audit/verify");
        // The read side's copies carry other event ids under another stream: checked against the chain, they would be "altered".
        Assert.True(verdict.GetProperty("verified").GetBoolean(), verdict.ToString());
        Assert.True(verdict.GetProperty("checked").GetInt64() >= 1, verdict.ToString());

        // The read side has no audit schema: a request recorded in the access log was written to the ledger.
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from audit.access_log where path like '/audit/verify%'", connection);
        Assert.True((long)(await command.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task Readiness_says_where_reads_go_and_how_far_behind_they_are()
    {
        var ready = await readingClient.GetFromJsonAsync<JsonElement>("/health/ready");
        var check = ready.GetProperty("checks").GetProperty("ledger-read");
        Assert.Equal("healthy", check.GetProperty("status").GetString());
        // Not a standby here: the read database is a primary of its own, so there is nothing to replay.
        Assert.StartsWith("Reads go to a primary", check.GetProperty("description").GetString(), StringComparison.Ordinal);

        var own = await fixture.Compliance.GetFromJsonAsync<JsonElement>("/health/ready");
        Assert.Equal("Reads use the ledger's connection.", own.GetProperty("checks").GetProperty("ledger-read").GetProperty("description").GetString());
    }

    private static async Task<List<JsonElement>> EventsAsync(HttpClient client, string query)
    {
        var page = await client.GetFromJsonAsync<JsonElement>("/audit/events?limit=1000&" + query);
        return [.. page.GetProperty("events").EnumerateArray()];
    }

    /// <summary>The original partner's rows, renamed to the copy, in a table of the columns Audit's read queries select.</summary>
    private async Task CopyStreamAsync(string read)
    {
        var rows = new List<(long Seq, Guid Id, long Version, string Type, DateTimeOffset At, string Data)>();
        await using (var ledger = new NpgsqlConnection(fixture.Database))
        {
            await ledger.OpenAsync();
            await using var select = new NpgsqlCommand(
                "select seq_id, id, version, type, timestamp, data::text from ledger.mt_events where stream_id = 'partner/' || $1 order by seq_id", ledger);
            select.Parameters.AddWithValue(Original);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
            }
        }

        await using var connection = new NpgsqlConnection(read);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("""
            create schema ledger;
            create table ledger.mt_events (seq_id bigint primary key, id uuid not null, stream_id text not null, version bigint not null,
                type text not null, timestamp timestamptz not null, data jsonb not null);
            """, connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        foreach (var row in rows)
        {
            await using var insert = new NpgsqlCommand("insert into ledger.mt_events values ($1, $2, $3, $4, $5, $6, $7::jsonb)", connection);
            insert.Parameters.AddWithValue(row.Seq);
            insert.Parameters.AddWithValue(Guid.NewGuid());
            insert.Parameters.AddWithValue("partner/" + Copy);
            insert.Parameters.AddWithValue(row.Version);
            insert.Parameters.AddWithValue(row.Type);
            insert.Parameters.AddWithValue(row.At);
            insert.Parameters.AddWithValue(row.Data.Replace(Original, Copy, StringComparison.Ordinal));
            await insert.ExecuteNonQueryAsync();
        }
    }
}
