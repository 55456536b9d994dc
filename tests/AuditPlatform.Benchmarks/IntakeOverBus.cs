using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// Scenarios 2, 5 and 7: plain-JSON <c>RecordDisclosure</c> commands on the bus, as an integrator would send them.
/// First as fast as confirms allow (the sustained rate into the ledger, and each service's peak memory meanwhile),
/// then paced at half that rate (publish→ledger latency, and the forwarder's lag from commit to the bus).
/// </summary>
public static class IntakeOverBus
{
    /// <summary>
    /// Partners of this run only. The breach scenario's breaches of an earlier run may have led the escalation policy
    /// to suspend sharing with that run's partners, and every disclosure to a suspended partner is refused: a second run
    /// with the same codes measured nothing.
    /// </summary>
    internal static readonly string RunTag = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
    public static readonly string Originator = $"BENCH-{RunTag}-O";
    public static readonly string[] Recipients = [$"BENCH-{RunTag}-P1", $"BENCH-{RunTag}-P2"];
    private const string Scenario = "2 intake over bus";
    internal const string CommandExchange = "AuditPlatform.Contracts:RecordDisclosure";
    internal const string EventExchange = "AuditPlatform.Contracts:DisclosureRecorded";

    private const string DisclosureRecorded = "disclosure_recorded";
    private const string PartnerNotified = "partner_notified";

    /// <summary>How often the scenario looks at the ledger while it waits.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    /// <summary>Fewer notices left after the load than this are too few to time a drain by.</summary>
    private const int MinimumBacklog = 500;

    public static async Task RunAsync(Platform platform, Report report)
    {
        Console.WriteLine("== 2 intake over bus, 5 ledger to bus, 7 memory");
        await platform.RegisterPartnersAsync([Originator, .. Recipients]);
        await using var ledger = platform.Ledger();
        var token = platform.Options.Token("operator");
        var factory = platform.PlatformBus("bench-intake-bus");
        await using var connection = await factory.CreateConnectionAsync();

        var warm = await WarmUpAsync(platform, connection, ledger, token);
        report.Add(new Figure(Scenario, "warm-up before timing", warm.Disclosures, "disclosures",
            Note: string.Create(CultureInfo.InvariantCulture, $"{warm.Rounds} rounds, each delivered before the next; the services' JIT compiled for {warm.LastJit:0.00} s during the last")));

        // Saturation: every command published as fast as the broker confirms it.
        var count = platform.Options.BusDisclosures;
        var commitsBefore = await CommitsAsync(ledger, settle: true);
        Interlocked.Exchange(ref benchQueries, 1); // the count's own transaction commits after it read the count
        var (statements, noProfile) = await StatementProfile.StartAsync(platform.Options);
        var start = await LastSequenceAsync(ledger);
        using var memory = new MemoryWatch(platform, ["Intake", "Notification", "Escalation", "Audit"]);
        var cpu = new CpuWatch(platform.Options);
        var allocations = await CounterWatch.StartAsync(platform.Http, CounterWatch.Allocated);
        var began = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        await Ceilings.PublishManyAsync(connection, CommandExchange, string.Empty, count, i => Command(ids[i], token));
        var published = DateTimeOffset.UtcNow;
        var tally = new LedgerTally(ledger, start, DisclosureRecorded, PartnerNotified);
        var seen = new List<LedgerRow>();
        var accepted = await tally.AwaitAsync(DisclosureRecorded, count, Poll, TimeSpan.FromSeconds(20), seen);
        var peaks = memory.Stop();
        var cpuPerDisclosure = cpu.PerUnit(accepted);
        var saturatedCpu = cpu.Shares();
        var drainCpu = new CpuWatch(platform.Options);
        // The load ended with its last disclosure; what it left undelivered is Notification's backlog, and the time it
        // takes to deliver it, with nothing else arriving, is the drain rate (both on the ledger's clock).
        var loadEnded = tally.Latest(DisclosureRecorded) ?? began;
        var delivered = await tally.AwaitAsync(PartnerNotified, accepted * Recipients.Length, Poll, TimeSpan.FromSeconds(15), seen);
        var drained = tally.Latest(PartnerNotified) ?? loadEnded;
        var drainShares = drainCpu.Shares();
        var allocatedPerDisclosure = await allocations.PerUnitAsync(accepted * 1024.0);
        var notified = seen.Count(r => r.Type == PartnerNotified && r.At <= loadEnded);
        var noticeRate = notified / (loadEnded - began).TotalSeconds;
        var ownQueries = Interlocked.Exchange(ref benchQueries, 0);
        var commitsAfter = await CommitsAsync(ledger, settle: true);
        var commits = commitsAfter.Commits - commitsBefore.Commits - ownQueries;
        var writes = commitsAfter.Writes - commitsBefore.Writes;
        var profile = statements is null ? ((IReadOnlyList<StatementProfile.Line>, IReadOnlyList<StatementProfile.Line>)?)null : await statements.ReadAsync(accepted);
        var rate = accepted / (loadEnded - began).TotalSeconds;
        var ratio = report.RatioTo(Ceilings.Combined, rate);
        var statementsSaid = profile is { } said ? StatementProfile.Summary(said.Item1, said.Item2) : "no statement profile: " + (noProfile ?? "none");
        report.Add(new Figure(Scenario, "accepted into ledger (saturated)", Math.Round(rate, 1), "msg/s", Ceilings.Combined, ratio,
            "≥ 0.50 of (c)", ratio is null ? null : ratio >= 0.5,
            string.Create(CultureInfo.InvariantCulture, $"{accepted} of {count}; publishing took {(published - began).TotalSeconds:0.0} s"),
            string.Create(CultureInfo.InvariantCulture, $"{cpuPerDisclosure.Values.Sum():0.0} ms of CPU per disclosure; {saturatedCpu}")));
        foreach (var (service, peak) in peaks)
        {
            report.Add(peak is null
                ? new Figure("7 memory", $"{service} peak RSS during scenario 2", null, "MB", Note: "not available: not running")
                : new Figure("7 memory", $"{service} peak RSS during scenario 2", Math.Round(peak.Value, 1), "MB", Target: "< 150 MB", Met: peak < 150,
                    Limit: memory.PartsOf(service)));
        }

        report.Add(new Figure(Scenario, "notices delivered meanwhile (partner_notified)", Math.Round(noticeRate, 1), "msg/s",
            Note: $"each disclosure asks for {Recipients.Length} notices"));
        report.Add(Drain("bus partners", delivered - notified, (drained - loadEnded).TotalSeconds, 2_000, "the load", limit: "planning and delivery: " + drainShares));
        if (accepted > 0)
        {
            report.Add(new Figure(Scenario, "commits per disclosure, all services", Math.Round(commits / (double)accepted, 2), "commits",
                Target: "≤ 6", Met: commits / (double)accepted <= 6,
                Note: "pg_stat_database.xact_commit from before publishing until every notice was delivered, less the benchmark's own queries; includes the services' read-only polls"));
            report.Add(new Figure(Scenario, "writing transactions per disclosure, all services", Math.Round(writes / (double)accepted, 2), "commits",
                Note: "transaction ids handed out over the same span: every commit that wrote something, whichever service made it"));
        }

        foreach (var (part, milliseconds) in cpuPerDisclosure.OrderByDescending(c => c.Value))
        {
            report.Add(new Figure(Scenario, $"CPU per disclosure: {part}", Math.Round(milliseconds, 2), "ms",
                Target: part == "PostgreSQL" ? "≤ 0.8 ms" : null, Met: part == "PostgreSQL" ? milliseconds <= 0.8 : null,
                Note: "saturated phase, all the work a disclosure causes", Limit: statementsSaid));
        }

        if (cpuPerDisclosure.Count > 0)
        {
            var all = cpuPerDisclosure.Values.Sum();
            report.Add(new Figure(Scenario, "CPU per disclosure: all processes", Math.Round(all, 2), "ms", Target: "≤ 2 ms", Met: all <= 2,
                Note: string.Join(", ", cpuPerDisclosure.Keys.Order()),
                Limit: string.Join("; ", cpuPerDisclosure.OrderByDescending(c => c.Value).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:0.00} ms"))) + "; " + statementsSaid));
        }

        foreach (var (service, kilobytes) in allocatedPerDisclosure.OrderByDescending(a => a.Value))
        {
            report.Add(new Figure(Scenario, $"managed allocations per disclosure: {service}", Math.Round(kilobytes, 1), "KB",
                Note: "from publishing until every notice was delivered; the runtime's dotnet_gc_heap_total_allocated_bytes_total on the service's /metrics"));
        }

        if (profile is { } p)
        {
            StatementProfile.Report(report, Scenario, p.Item1, p.Item2);
        }
        else
        {
            report.NotAvailable(Scenario, "PostgreSQL statements per disclosure", "calls", noProfile ?? "no profile");
        }

        if (accepted == 0)
        {
            return;
        }

        // Latency: paced at half the sustained rate, with a queue of our own on the forwarder's exchange.
        await using var listen = await connection.CreateChannelAsync();
        var forwarded = new ConcurrentDictionary<long, DateTimeOffset>();
        var queue = (await listen.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await listen.QueueBindAsync(queue, EventExchange, string.Empty);
        var consumer = new AsyncEventingBasicConsumer(listen);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var at = DateTimeOffset.UtcNow;
            if (SequenceOf(delivery.BasicProperties.Headers) is { } sequence)
            {
                forwarded.TryAdd(sequence, at);
            }

            return Task.CompletedTask;
        };
        await listen.BasicConsumeAsync(queue, autoAck: true, consumer);

        var paced = rate / 2;
        start = await LastSequenceAsync(ledger);
        var pacedCpu = new CpuWatch(platform.Options);
        var sentAt = await PacedAsync(connection, token, paced, platform.Options.LatencyWindow);
        var pacedShares = pacedCpu.Shares();
        var rows = new List<LedgerRow>();
        var pacedAccepted = await new LedgerTally(ledger, start, DisclosureRecorded).AwaitAsync(DisclosureRecorded, sentAt.Count, Poll, TimeSpan.FromSeconds(20), rows);
        var latencies = rows.Where(r => sentAt.ContainsKey(r.Stream)).Select(r => (r.At - sentAt[r.Stream]).TotalMilliseconds).ToList();
        report.Add(new Figure(Scenario, "paced publish rate (half the saturated rate)", Math.Round(sentAt.Count / platform.Options.LatencyWindow.TotalSeconds, 1), "msg/s",
            Note: $"{pacedAccepted} of {sentAt.Count} accepted"));
        Percentiles.Report(report, Scenario, "publish→ledger", latencies, p99Target: 25, withMax: true,
            limit: "each command waits behind the rest of the work on the cores at the paced rate: " + pacedShares);
        var backlog = await DueNoticesAsync(ledger);
        report.Add(new Figure(Scenario, "notice backlog at the end of the paced phase", backlog, "notices",
            Target: "≤ 1 s of notices (no backlog)", Met: backlog <= paced * Recipients.Length,
            Note: string.Create(CultureInfo.InvariantCulture, $"pending and due; the paced phase asked for {paced * Recipients.Length:0} notices a second")));

        var waited = Stopwatch.StartNew();
        while (rows.Any(r => !forwarded.ContainsKey(r.Sequence)) && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(200);
        }

        var lags = rows.Where(r => forwarded.ContainsKey(r.Sequence)).Select(r => (forwarded[r.Sequence] - r.At).TotalMilliseconds).ToList();
        Percentiles.Report(report, "5 ledger to bus", "forwarder lag (commit→received)", lags, p99Target: 50,
            limit: "the forwarder publishes what its last poll found (every 100 ms, sooner when its own service commits) and shares the cores: " + pacedShares);
        await TraceAsync(report, ledger, rows, sentAt, forwarded);
    }

    /// <summary>
    /// The drain figure: <paramref name="left"/> notices undelivered when the load ended, delivered in
    /// <paramref name="seconds"/>; not reported when fewer than <see cref="MinimumBacklog"/> were left.
    /// </summary>
    internal static Figure Drain(string partners, long left, double seconds, double target, string load, string? checks = null, string? limit = null)
    {
        var name = $"notices delivered after the load (backlog drain, {partners})";
        var and = checks is null ? string.Empty : "; " + checks;
        return left >= MinimumBacklog && seconds > 0
            ? new Figure(Scenario, name, Math.Round(left / seconds, 1), "msg/s", Target: string.Create(CultureInfo.InvariantCulture, $"≥ {target:#,0} msg/s"),
                Met: left / seconds >= target,
                Note: string.Create(CultureInfo.InvariantCulture, $"{left:#,0} notices left when {load} ended, delivered in {seconds:0.0} s{and}"), Limit: limit)
            : new Figure(Scenario, name, null, "msg/s", Note: $"not measured: the load left {left:#,0} notices to deliver, fewer than {MinimumBacklog} to time a drain by{and}");
    }

    public static (byte[] Body, BasicProperties Properties) Command(Guid id, string token) => Command(id, token, Originator, Recipients);

    public static (byte[] Body, BasicProperties Properties) Command(Guid id, string token, string originator, string[] recipients)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            disclosureId = id,
            originator,
            title = "Benchmark disclosure " + id.ToString("N")[..8],
            classification = "official",
            caveats = new[] { "NOFORN" },
            contentSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(id.ToByteArray())),
            recipients,
            sharedBy = "benchmark",
            occurredAt = DateTimeOffset.UtcNow,
        });
        var properties = new BasicProperties
        {
            ContentType = "application/json",
            MessageId = id.ToString(),
            Headers = new Dictionary<string, object?> { ["Authorization"] = "Bearer " + token },
        };
        return (body, properties);
    }

    /// <summary>Publishes at a steady rate for the window; each command's local publish time by its ledger stream key.</summary>
    private static async Task<Dictionary<string, DateTimeOffset>> PacedAsync(IConnection connection, string token, double rate, TimeSpan window)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var count = (int)(rate * window.TotalSeconds);
        var sentAt = new Dictionary<string, DateTimeOffset>(count);
        var pending = await Pacing.StartAsync(count, rate, _ =>
        {
            var id = Guid.CreateVersion7();
            var (body, properties) = Command(id, token);
            properties.Persistent = true;
            sentAt["disclosure/" + id.ToString("D")] = DateTimeOffset.UtcNow;
            return channel.BasicPublishAsync(CommandExchange, string.Empty, mandatory: false, properties, body).AsTask();
        });

        await Task.WhenAll(pending);
        return sentAt;
    }

    /// <summary>
    /// The path of a disclosure, hop by hop, over every paced one: publish → Intake's commit → the forwarded event on
    /// the bus → Notification's commit of its notices → the last notice delivered. Ledger times are commit times on
    /// PostgreSQL's clock; publish and receipt are the benchmark's, on the same machine.
    /// </summary>
    private static async Task TraceAsync(Report report, NpgsqlDataSource ledger, List<LedgerRow> rows, Dictionary<string, DateTimeOffset> sentAt,
        ConcurrentDictionary<long, DateTimeOffset> forwarded)
    {
        var paced = rows.Where(r => sentAt.ContainsKey(r.Stream)).ToList();
        if (paced.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref benchQueries);
        await using var command = ledger.CreateCommand("""
            select data->>'DisclosureId', max(timestamp) filter (where type = 'notice_created'), max(timestamp) filter (where type = 'partner_notified')
            from ledger.mt_events
            where data->>'DisclosureId' = any($1) and type in ('notice_created', 'partner_notified')
            group by 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = paced.Select(r => r.Stream["disclosure/".Length..]).ToArray() });
        var notices = new Dictionary<string, (DateTimeOffset? Created, DateTimeOffset? Delivered)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                notices["disclosure/" + reader.GetString(0)] = (
                    reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
            }
        }

        var hops = new (string Name, List<double> Samples)[]
        {
            ("published → Intake committed the disclosure", []),
            ("Intake's commit → the event on the bus (forwarder)", []),
            ("Intake's commit → Notification committed its notices", []),
            ("notices committed → the last one delivered", []),
            ("published → every notice delivered (end to end)", []),
        };
        foreach (var row in paced)
        {
            var sent = sentAt[row.Stream];
            hops[0].Samples.Add((row.At - sent).TotalMilliseconds);
            if (forwarded.TryGetValue(row.Sequence, out var received))
            {
                hops[1].Samples.Add((received - row.At).TotalMilliseconds);
            }

            if (notices.TryGetValue(row.Stream, out var n) && n.Created is { } created)
            {
                hops[2].Samples.Add((created - row.At).TotalMilliseconds);
                if (n.Delivered is { } delivered)
                {
                    hops[3].Samples.Add((delivered - created).TotalMilliseconds);
                    hops[4].Samples.Add((delivered - sent).TotalMilliseconds);
                }
            }
        }

        var text = new StringBuilder();
        text.AppendLine("| Hop | p50 ms | p99 ms | n |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var (name, samples) in hops)
        {
            samples.Sort();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {Report.Format(Percentiles.Of(samples, 50))} | {Report.Format(Percentiles.Of(samples, 99))} | {samples.Count} |");
        }

        report.Section($"The path of a disclosure at half the saturated rate ({paced.Count} disclosures, each to {Recipients.Length} bus partners)", text.ToString());
    }

    private static async Task<long> DueNoticesAsync(NpgsqlDataSource ledger)
    {
        Interlocked.Increment(ref benchQueries);
        await using var command = ledger.CreateCommand(
            "select count(*) from notification.mt_doc_notice where data->>'Status' = 'pending' and (data->>'NextAttemptAt')::timestamptz <= now()");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Transactions the benchmark itself ran on the platform's database between two commit counts.</summary>
    private static long benchQueries;

    /// <summary>Counts one transaction of the benchmark's own, so the commits per disclosure leave it out.</summary>
    internal static void CountBenchQuery() => Interlocked.Increment(ref benchQueries);

    /// <summary>
    /// Committed transactions of the platform's database so far. With <paramref name="settle"/>, first waits out
    /// PostgreSQL's idle statistics flush (10 s), so every backend's commits up to now are in the count.
    /// </summary>
    private static async Task<(long Commits, long Writes)> CommitsAsync(NpgsqlDataSource ledger, bool settle)
    {
        if (settle)
        {
            await Task.Delay(TimeSpan.FromSeconds(11));
        }

        Interlocked.Increment(ref benchQueries);
        // The next transaction id to be handed out counts the transactions that wrote (read-only ones get none).
        await using var command = ledger.CreateCommand(
            "select xact_commit, pg_snapshot_xmax(pg_current_snapshot())::text::bigint from pg_stat_database where datname = current_database()");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>JIT time across the services below which a round of the warm-up counts as warm.</summary>
    private const double WarmJitSeconds = 0.5;

    /// <summary>
    /// Load before the timed phases until the services have compiled their hot paths. A service just started spends its
    /// first tens of seconds of load in the JIT (33,000-36,000 methods and 35-40 s of compilation per service, two cores
    /// shared with everything else), so a run right after <c>up.sh</c> measured the JIT more than the platform: 190-270
    /// disclosures/s, then 350-365/s on the next run of the same build. Rounds of disclosures, each accepted and every
    /// notice delivered before the next, until a round compiles for less than <see cref="WarmJitSeconds"/> across the
    /// services (read from their own <c>/metrics</c>), or the last round.
    /// </summary>
    private static async Task<(int Rounds, int Disclosures, double LastJit)> WarmUpAsync(Platform platform, IConnection connection, NpgsqlDataSource ledger, string token)
    {
        var perRound = platform.Options.WarmUpRound;
        var (rounds, lastJit) = await CounterWatch.WarmUpAsync(platform.Http, platform.Options.WarmUpRounds, WarmJitSeconds, jit => jit.Values.Sum(), async () =>
        {
            var start = await LastSequenceAsync(ledger);
            var ids = Enumerable.Range(0, perRound).Select(_ => Guid.CreateVersion7()).ToArray();
            await Ceilings.PublishManyAsync(connection, CommandExchange, string.Empty, perRound, i => Command(ids[i], token));
            var tally = new LedgerTally(ledger, start, DisclosureRecorded, PartnerNotified);
            var accepted = await tally.AwaitAsync(DisclosureRecorded, perRound, Poll, TimeSpan.FromSeconds(20));
            await tally.AwaitAsync(PartnerNotified, accepted * Recipients.Length, Poll, TimeSpan.FromSeconds(15));
            return $"{accepted} of {perRound} accepted";
        });

        return (rounds, rounds * perRound, lastJit);
    }

    public static async Task<long> LastSequenceAsync(NpgsqlDataSource ledger)
    {
        Interlocked.Increment(ref benchQueries);
        await using var command = ledger.CreateCommand("select coalesce(max(seq_id), 0) from ledger.mt_events");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Asks <paramref name="count"/> until it reaches <paramref name="expected"/> or stops growing for 20 s; the last count.</summary>
    internal static async Task<long> AwaitCountAsync(Func<Task<long>> count, long expected, TimeSpan every)
    {
        var found = 0L;
        var progress = Stopwatch.StartNew();
        while (progress.Elapsed < TimeSpan.FromSeconds(20))
        {
            var now = await count();
            if (now > found)
            {
                found = now;
                progress.Restart();
            }

            if (found >= expected)
            {
                break;
            }

            await Task.Delay(every);
        }

        return found;
    }

    internal static long? SequenceOf(IDictionary<string, object?>? headers) =>
        headers?.TryGetValue("Audit-Ledger-Sequence", out var value) != true ? null : value switch
        {
            byte[] text => long.Parse(Encoding.UTF8.GetString(text), CultureInfo.InvariantCulture),
            long number => number,
            int number => number,
            string text => long.Parse(text, CultureInfo.InvariantCulture),
            _ => null,
        };
}

/// <summary>Samples each service's resident memory every 100 ms and keeps the peak.</summary>
public sealed class MemoryWatch : IDisposable
{
    private readonly Dictionary<string, int?> pids;
    private readonly Dictionary<string, double?> peaks;
    private readonly Dictionary<string, (double? File, double? Shared, double? Anonymous)> atPeak = [];
    private readonly Dictionary<string, double?> atStart;
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;

    public MemoryWatch(Platform platform, IEnumerable<string> services)
    {
        pids = services.ToDictionary(s => s, s => platform.Options.PidOf(s));
        peaks = pids.ToDictionary(p => p.Key, _ => (double?)null);
        atStart = pids.ToDictionary(p => p.Key, p => p.Value is { } pid ? Platform.MemoryMb(pid) : null);
        sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(100).ConfigureAwait(false);
            }
        });
    }

    private void Sample()
    {
        lock (peaks)
        {
            foreach (var (service, pid) in pids)
            {
                if (pid is { } p && Platform.MemoryFieldsMb(p) is { } now && now.GetValueOrDefault("VmRSS") is { } rss && (peaks[service] is null || rss > peaks[service]))
                {
                    peaks[service] = rss;
                    atPeak[service] = (now.GetValueOrDefault("RssFile"), now.GetValueOrDefault("RssShmem"), now.GetValueOrDefault("RssAnon"));
                }
            }
        }
    }

    public IReadOnlyDictionary<string, double?> Stop()
    {
        stop.Cancel();
        sampling.GetAwaiter().GetResult();
        Sample();
        lock (peaks)
        {
            return new Dictionary<string, double?>(peaks);
        }
    }

    /// <summary>
    /// What a service's resident memory was made of at its peak (<c>/proc/pid/status</c>): file pages (the runtime's and
    /// the service's assemblies, shared with the other services), shared memory (the JIT's code, which the runtime
    /// maps twice, once writable and once executable: W^X) and anonymous memory (the GC heap and native allocations),
    /// and what it was when the watch started; the profile of a peak RSS row.
    /// </summary>
    public string? PartsOf(string service)
    {
        lock (peaks)
        {
            if (!atPeak.TryGetValue(service, out var parts))
            {
                return null;
            }

            static string Mb(double? value) => value is null ? "?" : Math.Round(value.Value).ToString(CultureInfo.InvariantCulture);
            return $"at the peak {Mb(parts.File)} MB file pages (assemblies), {Mb(parts.Shared)} MB the JIT's code mapped twice (W^X), " +
                $"{Mb(parts.Anonymous)} MB anonymous (GC heap, native); {Mb(atStart.GetValueOrDefault(service))} MB when the scenario began";
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
    }
}
