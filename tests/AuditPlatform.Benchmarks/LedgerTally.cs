using System.Diagnostics;
using Npgsql;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// Counts the ledger's events of some types after a sequence number, reading at each look only what is new. Counting
/// every event since the start at each look (what the scenarios did) read tens of thousands of rows ten times a second
/// on the PostgreSQL the platform was being measured on: up to 180 ms a look under load. A transaction that took its
/// sequence number early may commit after later ones, so each look reads a margin behind the highest number seen and
/// skips what it has already counted.
/// </summary>
public sealed class LedgerTally
{
    /// <summary>Sequence numbers a late commit may lie behind the highest seen (a transaction that waited seconds under load).</summary>
    private const long Margin = 20_000;

    private readonly NpgsqlDataSource ledger;
    private readonly long after;
    private readonly string[] types;
    private readonly HashSet<long> seen = [];
    private readonly Dictionary<string, long> counts;
    private readonly Dictionary<string, DateTimeOffset> latest = [];
    private long highest;

    public LedgerTally(NpgsqlDataSource ledger, long after, params string[] types)
    {
        this.ledger = ledger;
        this.after = after;
        this.types = types;
        counts = types.ToDictionary(t => t, _ => 0L);
        highest = after;
    }

    /// <summary>Events of the type counted so far.</summary>
    public long Count(string type) => counts[type];

    /// <summary>The ledger timestamp of the latest event of the type counted so far (when it was appended, on PostgreSQL's clock).</summary>
    public DateTimeOffset? Latest(string type) => latest.TryGetValue(type, out var at) ? at : null;

    /// <summary>Reads what was committed since the last look; returns the events not seen before.</summary>
    public async Task<List<LedgerRow>> LookAsync()
    {
        IntakeOverBus.CountBenchQuery();
        await using var command = ledger.CreateCommand("select seq_id, type, stream_id, timestamp from ledger.mt_events where seq_id > $1 and type = any($2)");
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Max(after, highest - Margin) });
        command.Parameters.Add(new NpgsqlParameter { Value = types });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<LedgerRow>();
        while (await reader.ReadAsync())
        {
            var sequence = reader.GetInt64(0);
            highest = Math.Max(highest, sequence);
            if (!seen.Add(sequence))
            {
                continue;
            }

            var row = new LedgerRow(reader.GetString(1), reader.GetString(2), sequence, reader.GetFieldValue<DateTimeOffset>(3));
            counts[row.Type]++;
            if (latest.GetValueOrDefault(row.Type) < row.At)
            {
                latest[row.Type] = row.At;
            }

            rows.Add(row);
        }

        seen.RemoveWhere(s => s <= highest - Margin);
        return rows;
    }

    /// <summary>
    /// Looks every <paramref name="every"/> until <paramref name="expected"/> events of the type are counted, or the count
    /// stops growing for <paramref name="stall"/>; the count. Every event seen meanwhile goes to <paramref name="into"/>.
    /// </summary>
    public async Task<long> AwaitAsync(string type, long expected, TimeSpan every, TimeSpan stall, List<LedgerRow>? into = null)
    {
        var progress = Stopwatch.StartNew();
        var found = Count(type);
        while (found < expected && progress.Elapsed < stall)
        {
            // Not `into?.AddRange(await LookAsync())`: with no list that skips the look itself, and nothing is ever counted.
            var rows = await LookAsync();
            into?.AddRange(rows);
            if (Count(type) > found)
            {
                found = Count(type);
                progress.Restart();
            }

            if (found < expected)
            {
                await Task.Delay(every);
            }
        }

        return found;
    }
}

/// <summary>One event of the ledger: its type, stream, sequence number and timestamp.</summary>
public sealed record LedgerRow(string Type, string Stream, long Sequence, DateTimeOffset At);
