using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AuditPlatform.Benchmarks;

/// <summary>How long the soak runs, how hard, and where its figures and its plot go.</summary>
public sealed record SoakOptions(TimeSpan Duration, double? Rate, TimeSpan Window, string Output, string Plot)
{
    public static SoakOptions Parse(string[] args, string root)
    {
        var minutes = 60.0;
        double? rate = null;
        var window = 30.0;
        string? output = null;
        string? plot = null;
        for (var i = 0; i < args.Length; i++)
        {
            double Number() => double.Parse(args[++i], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--minutes": minutes = Number(); break;
                case "--rate": rate = Number(); break;
                case "--window": window = Number(); break;
                case "--out": output = args[++i]; break;
                case "--plot": plot = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]} (usage: bench soak [--minutes 60] [--rate msg/s] [--window 30] [--out file.json] [--plot file.svg])");
            }
        }

        if (minutes <= 0 || window <= 0 || rate <= 0)
        {
            throw new ArgumentException("--minutes, --window and --rate must be positive");
        }

        return new SoakOptions(
            TimeSpan.FromMinutes(minutes),
            rate,
            TimeSpan.FromSeconds(window),
            output ?? Path.Combine(root, "tests", "AuditPlatform.Benchmarks", "results", "soak.json"),
            plot ?? Path.Combine(root, "docs", "images", "soak.svg"));
    }
}

/// <summary>One window of the soak: what was sent and taken, how long it took, and what every process and queue held at its end.</summary>
public sealed record SoakSample(
    double Minute,
    double SentPerSecond,
    double AcceptedPerSecond,
    double? LedgerP50,
    double? LedgerP99,
    double? ForwarderP99,
    IReadOnlyDictionary<string, double?> RssMb,
    long Queued,
    long InErrorQueues,
    long DueNotices,
    long ChainBehind,
    double? CpuMs,
    double? PostgresCpuMs);

/// <summary>
/// Load held for an hour (or <c>--minutes</c>): plain-JSON <c>RecordDisclosure</c> commands on the bus at half the
/// saturated rate, the two bench partners' queues drained as partners would drain them, and every window (30 s) a
/// sample of the rate, the publish→ledger and forwarder latencies, every process's memory and every backlog. The
/// verdict compares the last quarter of the run with the second (the first is warm-up); the plot is an SVG.
/// </summary>
public static class Soak
{
    private const string Scenario = "soak";
    private static readonly string[] Processes = ["Intake", "Notification", "Escalation", "Audit", "RabbitMQ"];

    public static async Task<int> RunAsync(BenchOptions options, SoakOptions soak)
    {
        using var platform = new Platform(options);
        if (!await platform.IsUpAsync("Intake"))
        {
            await Console.Error.WriteLineAsync($"Intake does not answer on {Platform.Base("Intake")}health/ready: start the platform with deploy/local/up.sh first.");
            return 2;
        }

        var total = Stopwatch.StartNew();
        await platform.RegisterPartnersAsync([IntakeOverBus.Originator, .. IntakeOverBus.Recipients]);
        await using var ledger = platform.Ledger();
        var token = options.Token("operator");
        await using var connection = await platform.PlatformBus("bench-soak").CreateConnectionAsync();
        var rate = soak.Rate ?? await SaturatedRateAsync(connection, ledger, token) / 2;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {rate:0.0} disclosures/s for {soak.Duration.TotalMinutes:0} min, a sample every {soak.Window.TotalSeconds:0} s (started {DateTimeOffset.UtcNow:u})"));

        // The partners' inboxes, drained as the partners would; a queue nobody reads is the partner's backlog, not the platform's.
        await using var partners = await connection.CreateChannelAsync();
        foreach (var partner in IntakeOverBus.Recipients)
        {
            var drain = new AsyncEventingBasicConsumer(partners);
            drain.ReceivedAsync += (_, _) => Task.CompletedTask;
            await partners.BasicConsumeAsync("partner." + partner, autoAck: true, drain);
        }

        // The forwarded events, to time the forwarder.
        await using var listen = await connection.CreateChannelAsync();
        var forwarded = new ConcurrentDictionary<long, DateTimeOffset>();
        var events = (await listen.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await listen.QueueBindAsync(events, IntakeOverBus.EventExchange, string.Empty);
        var listener = new AsyncEventingBasicConsumer(listen);
        listener.ReceivedAsync += (_, delivery) =>
        {
            if (IntakeOverBus.SequenceOf(delivery.BasicProperties.Headers) is { } sequence)
            {
                forwarded.TryAdd(sequence, DateTimeOffset.UtcNow);
            }

            return Task.CompletedTask;
        };
        await listen.BasicConsumeAsync(events, autoAck: true, listener);

        var windows = (int)Math.Ceiling(soak.Duration / soak.Window);
        var sentIn = Enumerable.Range(0, windows).Select(_ => new ConcurrentQueue<(string Stream, DateTimeOffset At)>()).ToArray();
        var start = await IntakeOverBus.LastSequenceAsync(ledger);
        var clock = Stopwatch.StartNew();
        var publishing = PublishAsync(connection, token, rate, soak, clock, sentIn);

        var samples = new List<SoakSample>();
        var tally = new LedgerTally(ledger, start, "disclosure_recorded");
        var committed = new Dictionary<string, (long Sequence, DateTimeOffset At)>();
        using var management = platform.Management();
        var cpu = new CpuWatch(options);
        for (var k = 1; k <= windows; k++)
        {
            var due = soak.Window * k - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            var rows = await tally.LookAsync();
            var now = DateTimeOffset.UtcNow;
            // What the window's disclosures cost the platform's processes (the benchmark left out): at a fixed rate well
            // below saturation this moves far less between runs than the saturated phase's figure, so an A/B of two
            // builds shows here first (docs/performance.md).
            var used = cpu.PerUnit(rows.Count);
            cpu = new CpuWatch(options);
            double? PerDisclosure(double? ms) => rows.Count == 0 || ms is null ? null : Math.Round(ms.Value, 2);
            foreach (var row in rows)
            {
                committed[row.Stream] = (row.Sequence, row.At);
            }

            // Latencies of the window before the one that just ended: its commands have had a whole window to arrive.
            // One still missing counts with what it has waited so far (a lower bound), so a stall shows instead of vanishing.
            var measured = k >= 2 ? sentIn[k - 2] : new ConcurrentQueue<(string, DateTimeOffset)>();
            var toLedger = new List<double>();
            var toBus = new List<double>();
            foreach (var (stream, at) in measured)
            {
                if (!committed.Remove(stream, out var row))
                {
                    toLedger.Add((now - at).TotalMilliseconds);
                    continue;
                }

                toLedger.Add((row.At - at).TotalMilliseconds);
                toBus.Add(((forwarded.TryRemove(row.Sequence, out var received) ? received : now) - row.At).TotalMilliseconds);
            }

            var (queued, inError) = await QueuesAsync(management);
            var sample = new SoakSample(
                Math.Round(clock.Elapsed.TotalMinutes, 2),
                Math.Round(sentIn[k - 1].Count / soak.Window.TotalSeconds, 1),
                Math.Round(rows.Count / soak.Window.TotalSeconds, 1),
                P(toLedger, 50),
                P(toLedger, 99),
                P(toBus, 99),
                Memory(options),
                queued,
                inError,
                await Settle.PendingAsync(ledger),
                await Settle.ChainBehindAsync(ledger),
                PerDisclosure(used.Values.Sum()),
                PerDisclosure(used.TryGetValue("PostgreSQL", out var postgres) ? postgres : null));
            samples.Add(sample);
            Console.WriteLine(Line(sample));
        }

        var sent = await publishing;
        var accepted = await InLedgerAsync(ledger, sent.ConfirmedStreams);
        var report = new Report();
        Verdict(report, samples, rate, sent, accepted);
        report.Section("Samples", Table(samples));
        Console.WriteLine();
        Console.WriteLine(report.Markdown());
        await report.WriteAsync(soak.Output, Machine.Describe(), "soak", total.Elapsed);
        Directory.CreateDirectory(Path.GetDirectoryName(soak.Plot)!);
        await File.WriteAllTextAsync(soak.Plot, SoakPlot.Svg(samples, rate, soak));
        Console.WriteLine($"written to {soak.Output} and {soak.Plot}");
        return 0;
    }

    private sealed record Published(IReadOnlyList<string> ConfirmedStreams, int Failed, string? FirstFailure)
    {
        public int Confirmed => ConfirmedStreams.Count;
    }

    /// <summary>
    /// How many of the confirmed commands' disclosures are in the ledger, matched by stream (a count of every disclosure
    /// after the soak began would include any other publisher's); waits until all are, or progress stops for 20 s.
    /// </summary>
    private static Task<long> InLedgerAsync(NpgsqlDataSource ledger, IReadOnlyList<string> streams) =>
        IntakeOverBus.AwaitCountAsync(async () =>
        {
            var now = 0L;
            foreach (var chunk in streams.Chunk(20_000))
            {
                await using var command = ledger.CreateCommand(
                    "select count(*) from ledger.mt_events where stream_id = any($1) and type = 'disclosure_recorded'");
                command.Parameters.Add(new NpgsqlParameter { Value = chunk });
                now += (long)(await command.ExecuteScalarAsync())!;
            }

            return now;
        }, streams.Count, TimeSpan.FromMilliseconds(500));

    /// <summary>An open loop at the rate for the whole soak; each command's stream and publish time in the window it was sent in.</summary>
    private static async Task<Published> PublishAsync(IConnection connection, string token, double rate, SoakOptions soak, Stopwatch clock,
        ConcurrentQueue<(string Stream, DateTimeOffset At)>[] sentIn)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var pending = new List<(string Stream, Task Task)>();
        var confirmed = new List<string>();
        var failed = 0;
        string? firstFailure = null;
        void Collect(bool all)
        {
            foreach (var (stream, task) in pending.Where(p => p.Task.IsCompleted || all))
            {
                if (task.IsCompletedSuccessfully)
                {
                    confirmed.Add(stream);
                }
                else
                {
                    failed++;
                    firstFailure ??= task.Exception?.GetBaseException().Message ?? "cancelled";
                }
            }

            pending.RemoveAll(p => p.Task.IsCompleted || all);
        }

        for (long i = 0; ; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due >= soak.Duration)
            {
                break;
            }

            // Read the clock once: read twice, a thread preempted between the check and the wait asked for a
            // negative delay, which Task.Delay refuses (it ended a one-minute soak two seconds in).
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            var id = Guid.CreateVersion7();
            var (body, properties) = IntakeOverBus.Command(id, token);
            properties.Persistent = true;
            var stream = "disclosure/" + id.ToString("D");
            sentIn[Math.Min((int)(due / soak.Window), sentIn.Length - 1)].Enqueue((stream, DateTimeOffset.UtcNow));
            pending.Add((stream, channel.BasicPublishAsync(IntakeOverBus.CommandExchange, string.Empty, mandatory: false, properties, body).AsTask()));
            if (pending.Count >= 1_000)
            {
                Collect(all: false);
            }
        }

        try
        {
            await Task.WhenAll(pending.Select(p => p.Task));
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.PublishException or RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
        {
            // Counted below, task by task.
        }

        Collect(all: true);
        return new Published(confirmed, failed, firstFailure);
    }

    /// <summary>
    /// The rate the platform takes plain-JSON disclosures at when they come as fast as the broker confirms them:
    /// <see cref="BenchOptions.SaturatedDisclosures"/> of them, as the full run's saturated figure. A burst of 3,000 measured twice that (about 300/s) on a warm
    /// platform: Intake finished it before Notification's and Audit's share of the work caught up with it, a rate the
    /// platform cannot hold for an hour.
    /// </summary>
    private static async Task<double> SaturatedRateAsync(IConnection connection, NpgsqlDataSource ledger, string token)
    {
        const int Count = BenchOptions.SaturatedDisclosures;
        Console.WriteLine($"soak: measuring the saturated rate with {Count:#,0} disclosures");
        var start = await IntakeOverBus.LastSequenceAsync(ledger);
        var began = DateTimeOffset.UtcNow;
        await Ceilings.PublishManyAsync(connection, IntakeOverBus.CommandExchange, string.Empty, Count, _ => IntakeOverBus.Command(Guid.CreateVersion7(), token));
        var tally = new LedgerTally(ledger, start, "disclosure_recorded");
        var accepted = await tally.AwaitAsync("disclosure_recorded", Count, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20));
        var last = tally.Latest("disclosure_recorded") ?? began;
        if (accepted == 0)
        {
            throw new InvalidOperationException($"none of {Count:#,0} disclosures reached the ledger within 20 s of the last progress; see .local/logs/intake.log and the _error queues");
        }

        var rate = accepted / (last - began).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: saturated at {rate:0.0}/s; letting the platform settle"));
        // The notices that burst asked for are delivered before the soak starts measuring backlogs.
        for (var i = 0; i < 300 && await Settle.PendingAsync(ledger) > 0; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return rate;
    }

    /// <summary>Messages waiting in the platform's own queues (ready or unacknowledged), and in its _error queues; partners' inboxes aside.</summary>
    private static async Task<(long Queued, long InError)> QueuesAsync(HttpClient management)
    {
        using var document = JsonDocument.Parse(await management.GetStringAsync("/api/queues/audit?columns=name,messages"));
        long queued = 0, inError = 0;
        foreach (var queue in document.RootElement.EnumerateArray())
        {
            var name = queue.GetProperty("name").GetString() ?? string.Empty;
            var messages = queue.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0;
            if (name.StartsWith("partner.", StringComparison.Ordinal))
            {
                continue;
            }

            if (name.EndsWith("_error", StringComparison.Ordinal))
            {
                inError += messages;
            }
            else
            {
                queued += messages;
            }
        }

        return (queued, inError);
    }

    private static Dictionary<string, double?> Memory(BenchOptions options)
    {
        double? Rss(int? pid) => pid is { } p && Platform.MemoryMb(p) is { } mb ? Math.Round(mb, 1) : null;
        return Processes.ToDictionary(p => p, p => Rss(p == "RabbitMQ" ? options.RabbitPid() : options.PidOf(p)));
    }

    private static double? P(List<double> samples, double p)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        samples.Sort();
        return Math.Round(Percentiles.Of(samples, p), 1);
    }

    /// <summary>
    /// The run against the issue's four promises, each comparing the last quarter with the second (the first quarter
    /// is warm-up: the JIT, pools and caches filling): memory flat, no growing backlog, p99 stable, everything taken.
    /// </summary>
    private static void Verdict(Report report, List<SoakSample> samples, double rate, Published sent, long accepted)
    {
        var quarter = Math.Max(1, samples.Count / 4);
        var early = samples.Skip(quarter).Take(quarter).ToList();
        var late = samples.Skip(samples.Count - quarter).ToList();
        report.Add(new Figure(Scenario, "paced rate (half the saturated rate)", Math.Round(rate, 1), "msg/s",
            Note: $"{samples.Count} windows; second quarter (minutes {early[0].Minute:0}-{early[^1].Minute:0}) against the last (minutes {late[0].Minute:0}-{late[^1].Minute:0})"));
        report.Add(new Figure(Scenario, "commands confirmed by the broker and not in the ledger", sent.Confirmed - accepted, "commands",
            Target: "0", Met: sent.Confirmed == accepted,
            Note: $"{sent.Confirmed:#,0} confirmed, {accepted:#,0} in the ledger, {sent.Failed} publishes failed{(sent.FirstFailure is null ? string.Empty : ": " + sent.FirstFailure)}"));

        foreach (var process in Processes)
        {
            var before = Median(early.Select(s => s.RssMb.GetValueOrDefault(process)));
            var after = Median(late.Select(s => s.RssMb.GetValueOrDefault(process)));
            if (before is null || after is null)
            {
                report.NotAvailable(Scenario, $"{process} RSS, last quarter against the second", "MB", "not running");
                continue;
            }

            // Flat: within a tenth, or 10 MB for a small process (a GC's breathing room).
            var growth = after.Value - before.Value;
            report.Add(new Figure(Scenario, $"{process} RSS growth, last quarter against the second (medians)", Math.Round(growth, 1), "MB",
                Target: "flat (≤ 10 % or 10 MB)", Met: growth <= Math.Max(10, before.Value * 0.1),
                Note: string.Create(CultureInfo.InvariantCulture, $"{before:0} → {after:0} MB; peak {samples.Max(s => s.RssMb.GetValueOrDefault(process) ?? 0):0} MB")));
        }

        // A backlog that does not grow: at the end no more than two seconds of work, and never above what the second quarter saw.
        void Backlog(string name, Func<SoakSample, long> of, double twoSeconds)
        {
            var end = of(samples[^1]);
            var lateMax = late.Max(of);
            var earlyMax = early.Max(of);
            report.Add(new Figure(Scenario, name + " at the end", end, "messages",
                Target: "no growing backlog", Met: end <= twoSeconds && lateMax <= Math.Max(earlyMax, twoSeconds),
                Note: string.Create(CultureInfo.InvariantCulture, $"largest in the second quarter {earlyMax:#,0}, in the last {lateMax:#,0}; two seconds of work is {twoSeconds:0}")));
        }

        Backlog("messages waiting in the platform's queues", s => s.Queued, rate * 2 * 4);
        Backlog("Notification's due notices", s => s.DueNotices, rate * 2 * IntakeOverBus.Recipients.Length);
        Backlog("events the chain is behind", s => s.ChainBehind, rate * 2 * 4);
        report.Add(new Figure(Scenario, "messages in _error queues at the end", samples[^1].InErrorQueues, "messages",
            Target: "none added", Met: samples[^1].InErrorQueues <= samples[0].InErrorQueues,
            Note: $"{samples[0].InErrorQueues} after the first window"));

        void Stable(string name, Func<SoakSample, double?> of)
        {
            var before = Median(early.Select(of));
            var after = Median(late.Select(of));
            if (before is null || after is null)
            {
                report.Add(new Figure(Scenario, name, null, "ms", Note: "no samples"));
                return;
            }

            report.Add(new Figure(Scenario, name + ", median of the last quarter's windows", after, "ms",
                Target: "stable (≤ 1.5 × the second quarter's, or + 10 ms)", Met: after <= Math.Max(before.Value * 1.5, before.Value + 10),
                Note: string.Create(CultureInfo.InvariantCulture, $"second quarter {before:0.0} ms; worst window {samples.Max(s => of(s) ?? 0):0.0} ms")));
        }

        Stable("publish→ledger p99", s => s.LedgerP99);
        Stable("forwarder lag p99", s => s.ForwarderP99);

        // What a disclosure costs at this rate, warm: the figure to compare two builds by (the saturated phase's moves
        // by a third between runs of one build on a shared machine).
        var warm = samples.Skip(quarter).ToList();
        if (Median(warm.Select(s => s.CpuMs)) is { } cpu)
        {
            report.Add(new Figure(Scenario, "CPU per disclosure, the platform's processes (median of the windows after the first quarter)", cpu, "ms",
                Note: string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {Median(warm.Select(s => s.PostgresCpuMs)):0.00} ms of it; windows from {warm.Min(s => s.CpuMs):0.00} to {warm.Max(s => s.CpuMs):0.00} ms")));
        }
    }

    private static double? Median(IEnumerable<double?> values)
    {
        var known = values.Where(v => v is not null).Select(v => v!.Value).Order().ToList();
        return known.Count == 0 ? null : Math.Round(known[known.Count / 2], 1);
    }

    private static string Line(SoakSample s)
    {
        var rss = string.Join(" ", s.RssMb.Select(r => $"{r.Key} {Report.Format(r.Value)}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"  {s.Minute,6:0.0} min  sent {s.SentPerSecond:0.0}/s  ledger {s.AcceptedPerSecond:0.0}/s  p99 {Report.Format(s.LedgerP99)} ms  forwarder p99 {Report.Format(s.ForwarderP99)} ms  CPU {Report.Format(s.CpuMs)} ms/disclosure (PostgreSQL {Report.Format(s.PostgresCpuMs)})  queued {s.Queued}  due notices {s.DueNotices}  chain behind {s.ChainBehind}  RSS MB: {rss}");
    }

    private static string Table(List<SoakSample> samples)
    {
        var text = new StringBuilder();
        text.AppendLine("| minute | sent/s | into ledger/s | publish→ledger p50 ms | p99 ms | forwarder p99 ms | CPU ms per disclosure | of it PostgreSQL | queued | in _error | due notices | chain behind | " + string.Join(" | ", Processes.Select(p => p + " MB")) + " |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + string.Concat(Processes.Select(_ => "---:|")));
        foreach (var s in samples)
        {
            var memory = string.Join(" | ", Processes.Select(p => Report.Format(s.RssMb.GetValueOrDefault(p))));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Minute:0.0} | {s.SentPerSecond:0.0} | {s.AcceptedPerSecond:0.0} | {Report.Format(s.LedgerP50)} | {Report.Format(s.LedgerP99)} | {Report.Format(s.ForwarderP99)} | {Report.Format(s.CpuMs)} | {Report.Format(s.PostgresCpuMs)} | {s.Queued} | {s.InErrorQueues} | {s.DueNotices} | {s.ChainBehind} | {memory} |");
        }

        return text.ToString();
    }
}
