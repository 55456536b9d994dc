using System.Security.Cryptography;
using System.Text;
using Npgsql;
using RabbitMQ.Client;

namespace AuditPlatform.FaultBattery;

/// <summary>What the ledger holds for one scenario's accepted commands and the effects they must have.</summary>
public sealed record Tally(
    int Accepted, int InLedger, int Lost, int Duplicated,
    int NoticesExpected, int NoticesFound, int NoticesDuplicated,
    int? CasesExpected, int? CasesFound, int? CasesDuplicated, int? Raised = null, int? RaisedTwice = null)
{
    /// <summary>The stream keys of accepted commands the ledger does not hold (the first few, for the report).</summary>
    public IReadOnlyList<string> LostStreams { get; init; } = [];

    public bool Complete => Lost == 0 && NoticesFound == NoticesExpected && (CasesExpected is null || CasesFound == CasesExpected);

    public bool Clean => Complete && Duplicated == 0 && NoticesDuplicated == 0 && CasesDuplicated is null or 0 && RaisedTwice is null or 0;
}

/// <summary>Reads <c>ledger.mt_events</c> by stream key, the way the Audit service and an auditor would.</summary>
public sealed class Reconciliation(BatteryOptions options, Platform platform)
{
    /// <summary>The event that creates each kind of stream; one and only one per accepted command.</summary>
    private static readonly Dictionary<string, string> Creation = new()
    {
        ["disclosure"] = "disclosure_recorded",
        ["breach"] = "breach_reported",
        ["response"] = "diplomatic_response_recorded",
        ["notice"] = "notice_created",
    };

    private static readonly Guid NoticeNamespace = new("6f1c3c1e-3f7a-4d51-9a53-6b0e5b1c2d40");

    /// <summary>Notice ids as Notification derives them (name-based UUID over kind, source and partner), so each can be looked up.</summary>
    public static Guid NoticeId(string kind, Guid source, string partner)
    {
        var name = Encoding.UTF8.GetBytes($"{kind}:{source:D}:{partner}");
        var input = new byte[16 + name.Length];
        NoticeNamespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input, 16);
        var bytes = SHA256.HashData(input).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// The deadlines the cases of these breaches were raised on (the battery's ladder lets one fall due every few
    /// seconds, <see cref="Platform.DeadlinePolicy"/>), and how many levels a case was raised to more than once: the
    /// deadline sweep runs on every Escalation replica, and a raise is decided on the case's stream version, so two
    /// replicas, or one restarted mid-sweep, must still raise each level once.
    /// </summary>
    private static async Task<(int Raised, int Twice)> RaisesAsync(NpgsqlConnection connection, string[] breaches)
    {
        await using var command = new NpgsqlCommand(
            """
            with cases as (
              select distinct stream_id from ledger.mt_events
              where stream_id like 'case/%' and version = 1 and coalesce(data->>'breachId', data->>'BreachId') = any(@breaches))
            select coalesce(sum(raises), 0)::int, count(*) filter (where raises > 1)::int
            from (
              select e.stream_id, coalesce(e.data->>'level', e.data->>'Level'), count(*) as raises
              from ledger.mt_events e join cases using (stream_id)
              where e.type = 'case_raised'
              group by 1, 2) per_level
            """, connection);
        command.Parameters.AddWithValue("breaches", breaches);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>Polls until everything accepted (and everything it implies) is in the ledger, or the window closes.</summary>
    public async Task<(Tally Tally, TimeSpan Took)> SettleAsync(IReadOnlyList<Sent> sent, Seed seed)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Tally? tally = null;
        do
        {
            try
            {
                tally = await CountAsync(sent, seed);
            }
            catch (NpgsqlException)
            {
                // Pooled connections from before a PostgreSQL restart are dead: drop them and look again.
                NpgsqlConnection.ClearAllPools();
                await Task.Delay(TimeSpan.FromSeconds(1));
                continue;
            }

            if (tally.Complete)
            {
                // Duplicates could still arrive with a late redelivery: look once more after a pause.
                await Task.Delay(TimeSpan.FromSeconds(2));
                return (await CountAsync(sent, seed), clock.Elapsed);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        while (clock.Elapsed < options.SettleWithin);

        return (tally ?? await CountAsync(sent, seed), clock.Elapsed);
    }

    public async Task<Tally> CountAsync(IReadOnlyList<Sent> sent, Seed seed)
    {
        var accepted = sent.Where(s => s.Accepted).ToList();
        var notices = new List<string>();
        if (platform.Has("Notification"))
        {
            foreach (var command in accepted)
            {
                var kind = command.Kind switch { "disclosure" => "handling", "breach" => "breach", _ => null };
                if (kind is not null)
                {
                    notices.AddRange(seed.Partners.Select(p => $"notice/{NoticeId(kind, command.Id, p):D}"));
                }
            }
        }

        var keys = accepted.Select(a => a.Stream).Concat(notices).ToArray();
        var counts = new Dictionary<string, long>();
        await using var connection = new NpgsqlConnection(options.Ledger);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand(
            "select stream_id, count(*) filter (where type = any(@types)) from ledger.mt_events where stream_id = any(@keys) group by stream_id", connection))
        {
            command.Parameters.AddWithValue("keys", keys);
            command.Parameters.AddWithValue("types", Creation.Values.ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                counts[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        int Found(IEnumerable<string> streams) => streams.Count(s => counts.GetValueOrDefault(s) >= 1);
        int Twice(IEnumerable<string> streams) => streams.Count(s => counts.GetValueOrDefault(s) > 1);
        var commandStreams = accepted.Select(a => a.Stream).ToList();
        var inLedger = Found(commandStreams);

        int? casesExpected = null, casesFound = null, casesDuplicated = null, raised = null, raisedTwice = null;
        if (platform.Has("Escalation"))
        {
            // A case names the breach that opened it; one case per accepted breach, opened once.
            var breaches = accepted.Where(a => a.Kind == "breach").Select(a => a.Id.ToString("D")).ToArray();
            var cases = new Dictionary<string, long>();
            await using (var command = new NpgsqlCommand(
                """
                select coalesce(data->>'breachId', data->>'BreachId'), count(distinct stream_id)
                from ledger.mt_events
                where stream_id like 'case/%' and version = 1 and coalesce(data->>'breachId', data->>'BreachId') = any(@breaches)
                group by 1
                """, connection))
            {
                command.Parameters.AddWithValue("breaches", breaches);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    cases[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            casesExpected = breaches.Length;
            casesFound = breaches.Count(b => cases.GetValueOrDefault(b) >= 1);
            casesDuplicated = breaches.Count(b => cases.GetValueOrDefault(b) > 1);
            (raised, raisedTwice) = await RaisesAsync(connection, breaches);
        }

        return new Tally(accepted.Count, inLedger, accepted.Count - inLedger, Twice(commandStreams),
            notices.Count, Found(notices), Twice(notices), casesExpected, casesFound, casesDuplicated, raised, raisedTwice)
        {
            LostStreams = [.. commandStreams.Where(s => counts.GetValueOrDefault(s) == 0).Take(5)],
        };
    }

    /// <summary>
    /// Takes the battery's own poison messages out of the error queues and returns, per message id, the reason
    /// MassTransit recorded (<c>MT-Fault-Message</c>); other messages are left where they are.
    /// </summary>
    public static async Task<Dictionary<Guid, string>> CollectPoisonAsync(BusLink bus, IReadOnlyCollection<string> errorQueues, IReadOnlySet<Guid> ours)
    {
        var reasons = new Dictionary<Guid, string>();
        await using var connection = await bus.ConnectAsync();
        foreach (var queue in errorQueues)
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                while (await channel.BasicGetAsync(queue, autoAck: false) is { } message)
                {
                    if (Guid.TryParse(message.BasicProperties.MessageId, out var id) && ours.Contains(id))
                    {
                        reasons[id] = Header(message.BasicProperties, "MT-Fault-Message") ?? Header(message.BasicProperties, "MT-Reason") ?? string.Empty;
                        await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
                    }
                }
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                // The error queue does not exist (yet): nothing was refused there.
            }

            // Closing the channel hands every message we did not take back to the queue.
        }

        return reasons;
    }

    private static string? Header(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers?.TryGetValue(name, out var value) == true
            ? value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), null => null, var other => other.ToString() }
            : null;
}
