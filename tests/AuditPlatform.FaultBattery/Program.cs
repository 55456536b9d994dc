using System.Diagnostics;
using AuditPlatform.FaultBattery;

// The fault battery: a steady load while the platform's parts fail, reconciled against the ledger.
//   dotnet AuditPlatform.FaultBattery.dll [--quick] [--cluster] [--results dir] [--base-port 5301] [--rate n] [--seconds n] [--only name,...]
// Exit code 0 only when no scenario lost or duplicated anything. See docs/reliability.md.
var options = BatteryOptions.Parse(args);
Directory.CreateDirectory(options.Results);
var started = DateTimeOffset.UtcNow;
var platform = Platform.Discover(options);
if (!platform.Has("Intake"))
{
    Console.Error.WriteLine("No Release build of Intake under services/: build the solution in Release first.");
    return 2;
}

await using var bus = new BusLink(options);
var operatorToken = DevToken.Mint(options.SigningKeyFile, "operator");
var adminToken = DevToken.Mint(options.SigningKeyFile, "admin");
var load = new Load(options, platform, bus, operatorToken, adminToken);
var reconciliation = new Reconciliation(options, platform);
var chainCheck = new ChainCheck(options, platform, DevToken.Mint(options.SigningKeyFile, "compliance"));
var results = new List<ScenarioResult>();
var exitCode = 0;

Console.WriteLine($"fault battery: starting {string.Join(", ", platform.Replicas.Select(r => $"{r.Label} on {r.BaseAddress.Port}"))}");
try
{
    await platform.StartAllAsync();
    var tag = Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next())).ToUpperInvariant()[..6];
    var seed = await load.SeedAsync(tag);
    var battery = new Battery(options, platform, load, bus, reconciliation, chainCheck, seed, operatorToken);
    foreach (var scenario in battery.Scenarios().Where(s => options.Only.Count == 0 || options.Only.Any(o => s.Name.Contains(o, StringComparison.OrdinalIgnoreCase))))
    {
        Console.WriteLine($"fault battery: {scenario.Name}");
        ScenarioResult result;
        try
        {
            result = await battery.RunAsync(scenario);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or TaskCanceledException or Npgsql.NpgsqlException)
        {
            result = new ScenarioResult(scenario.Name, 0, new Tally(0, 0, 0, 0, 0, 0, 0, null, null, null), 0, null, TimeSpan.Zero, TimeSpan.Zero, null,
                ["the scenario could not be completed: " + e.Message]);
        }

        results.Add(result);
        Console.WriteLine($"  accepted {result.Tally.Accepted}, in ledger {result.Tally.InLedger}, lost {result.Tally.Lost}, duplicated {result.Tally.Duplicated}, "
            + $"notices {result.Tally.NoticesFound}/{result.Tally.NoticesExpected}, recovery {(result.Recovery is { } r ? $"{r.TotalSeconds:0.0} s" : "—")}, chain {result.Chain}, proof {result.Proof}, {(result.Passed ? "pass" : "FAIL: " + string.Join("; ", result.Failures))}");
    }
}
catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or TaskCanceledException or Npgsql.NpgsqlException)
{
    Console.Error.WriteLine("fault battery: could not run: " + e.Message);
    results.Add(new ScenarioResult("the battery could run", 0, new Tally(0, 0, 0, 0, 0, 0, 0, null, null, null), 0, null, TimeSpan.Zero,
        DateTimeOffset.UtcNow - started, null, [e.Message]));
    exitCode = 1;
}
finally
{
    await platform.StopAllAsync();
}

var table = Report.Table(results, options);
await File.WriteAllTextAsync(Path.Combine(options.Results, options.Cluster ? "faults-cluster.table.md" : "faults.table.md"), table);
await File.WriteAllTextAsync(Path.Combine(options.Results, options.Cluster ? "faults-cluster.trx" : "faults.trx"), Report.Trx(results, started, DateTimeOffset.UtcNow));
Console.WriteLine();
Console.WriteLine(table);
Console.WriteLine($"fault battery: {results.Count(r => r.Passed)} of {results.Count} scenarios passed in {(DateTimeOffset.UtcNow - started).TotalSeconds:0} s");
return exitCode != 0 || results.Any(r => !r.Passed) ? 1 : 0;

namespace AuditPlatform.FaultBattery
{
    /// <summary>Whether a scenario's shortage is being taken, held or given back, for the load to go on meanwhile.</summary>
    public sealed class ShortageWindow
    {
        private volatile bool open;

        public void Open() => open = true;

        public void Close() => open = false;

        public bool InEffect() => open;
    }

    /// <summary>
    /// One fault: what it does mid-load, how it bends the load, whether it takes services down, and what it must
    /// have been seen to do (a one-line account; it starts with FAIL when the fault did not do what it claims).
    /// </summary>
    public sealed record Scenario(string Name, Func<List<string>, Task> Inject, LoadShape Shape, bool TakesServicesDown, Func<Task<string?>>? Afterwards = null);

    public sealed class Battery(BatteryOptions options, Platform platform, Load load, BusLink bus, Reconciliation reconciliation, ChainCheck chain, Seed seed, string operatorToken)
    {
        public IEnumerable<Scenario> Scenarios()
        {
            if (!options.Quick)
            {
                yield return new Scenario("steady load, no fault", _ => Task.CompletedTask, new LoadShape(), false);
            }

            yield return new Scenario("every message delivered twice (same id)", _ => Task.CompletedTask, new LoadShape(Twice: true), false);
            var poison = new PoisonBatch(bus, operatorToken);
            yield return new Scenario("poison messages mixed in", _ => poison.SendAsync(), new LoadShape(), false, poison.CheckAsync);
            foreach (var service in Platform.Known.Where(platform.Has))
            {
                yield return new Scenario($"SIGKILL {service} mid-load, then start it", failures => KillAndStartAsync(service, failures), new LoadShape(), true);
            }

            yield return new Scenario("restart PostgreSQL (Intake cold-started while it is down)",
                failures => RestartAsync("postgres", "PostgreSQL", "Intake", failures), new LoadShape(), true);
            if (options.Cluster)
            {
                yield return new Scenario("stop RabbitMQ node 1 of 3 mid-load, start it later", failures => StopNodeAsync(1, failures), new LoadShape(), true);
                foreach (var clusterFault in ClusterFaults.Scenarios(options, platform))
                {
                    yield return clusterFault;
                }
            }
            else
            {
                yield return new Scenario("restart RabbitMQ (Notification cold-started while it is down)",
                    failures => RestartAsync("rabbitmq", "RabbitMQ", "Notification", failures), new LoadShape(), true);
                foreach (var shortage in ResourceShortages())
                {
                    yield return shortage;
                }
            }
        }

        public async Task<ScenarioResult> RunAsync(Scenario scenario)
        {
            var clock = Stopwatch.StartNew();
            var failures = new List<string>();
            var refusals = ConnectionRefusals.From(platform.Replicas);
            await using var watch = new ReadinessWatch(platform, clock);
            var running = load.RunAsync(seed, scenario.Shape, CancellationToken.None);
            await Task.Delay(options.LoadFor * 0.3);
            // The checkpoint the chain must extend after the fault (Audit signs one every few seconds while there is news).
            var checkpointBefore = chain.Present ? await chain.LatestAsync(options.CheckpointInterval * 5) : null;
            var faultAt = clock.Elapsed;
            try
            {
                await scenario.Inject(failures);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                failures.Add("the fault could not be applied: " + e.Message);
            }

            var injected = clock.Elapsed;
            TimeSpan? recovery = null;
            try
            {
                await platform.WaitReadyAsync(options.SettleWithin);
                var allReady = clock.Elapsed;
                if (scenario.TakesServicesDown)
                {
                    var outage = watch.OutageSince(faultAt, allReady);
                    recovery = outage.Recovery;
                    var unready = outage.FirstUnready is { } first
                        ? $"not ready from {first.TotalSeconds:0.0} s after the fault: {string.Join(", ", outage.Replicas)}"
                        : "no service was ever unready";
                    Console.WriteLine($"  fault applied in {(injected - faultAt).TotalSeconds:0.0} s; every service ready {(allReady - injected).TotalSeconds:0.0} s after; {unready}; recovered {recovery.Value.TotalSeconds:0.0} s after the fault");
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                failures.Add("not every service came back: " + e.Message);
            }

            var (sent, inFlight) = await running;
            await Task.WhenAll(inFlight);
            var (tally, settled) = await reconciliation.SettleAsync(sent, seed);
            var unconfirmed = sent.Where(s => !s.Accepted).ToList();
            if (tally.Lost > 0)
            {
                failures.Add($"{tally.Lost} accepted commands are not in the ledger: {string.Join(", ", tally.LostStreams)}{(tally.Lost > tally.LostStreams.Count ? ", ..." : string.Empty)}");
            }

            if (tally.Duplicated > 0 || tally.NoticesDuplicated > 0 || tally.CasesDuplicated > 0 || tally.RaisedTwice > 0)
            {
                failures.Add($"recorded twice: {tally.Duplicated} commands, {tally.NoticesDuplicated} notices, {tally.CasesDuplicated ?? 0} cases, {tally.RaisedTwice ?? 0} case levels raised on a deadline");
            }

            if (tally.NoticesFound != tally.NoticesExpected)
            {
                failures.Add($"{tally.NoticesExpected - tally.NoticesFound} of {tally.NoticesExpected} expected notices are missing");
            }

            if (tally.CasesExpected is { } cases && tally.CasesFound != cases)
            {
                failures.Add($"{cases - tally.CasesFound} of {cases} expected cases are missing");
            }

            if (unconfirmed.Count > 0)
            {
                failures.Add($"{unconfirmed.Count} commands were never accepted, e.g. {unconfirmed[0].Stream} over {unconfirmed[0].Channel}: {unconfirmed[0].GaveUp}");
            }

            var chained = await chain.CheckAsync(checkpointBefore);
            failures.AddRange(chained.Failures);
            var refused = await refusals.SinceAsync();
            if (refused.Count > 0)
            {
                failures.Add($"PostgreSQL refused connections for want of a slot (53300): {string.Join(", ", refused.Select(r => $"{r.Key} {r.Value} times"))}; a replica's pool outgrew its cap");
            }

            await watch.StopAsync();
            failures.AddRange(watch.TwoLeaders().Select(t => "two replicas led one forwarder at once: " + t));
            var handovers = watch.Leaders().Where(l => l.Value.Count > 1).Select(l => $"{l.Key} {string.Join(" → ", l.Value)}").ToList();
            if (handovers.Count > 0)
            {
                Console.WriteLine($"  forwarder leadership moved: {string.Join("; ", handovers)}");
            }

            var observed = scenario.Afterwards is null ? null : await scenario.Afterwards();
            if (observed is not null && observed.StartsWith("FAIL", StringComparison.Ordinal))
            {
                failures.Add(observed);
            }

            return new ScenarioResult(scenario.Name, sent.Count, tally, unconfirmed.Count, recovery, settled, clock.Elapsed, observed, failures, chained.Chain, chained.Proof, scenario.TakesServicesDown ? injected - faultAt : null);
        }

        /// <summary>
        /// A resource runs out mid-load and comes back: the ledger's disk fills, RabbitMQ raises a memory or a disk
        /// alarm. Nothing accepted may be lost; what cannot be taken is refused (HTTP 503 with Retry-After) or held
        /// (the broker blocks publishers; consumers hold what the ledger cannot take), and the platform goes on by
        /// itself once the resource is back.
        /// </summary>
        private IEnumerable<Scenario> ResourceShortages()
        {
            var refusedSince = DateTimeOffset.MaxValue;
            var diskFull = new ShortageWindow();
            yield return new Scenario("ledger disk full mid-load, freed later",
                _ => ShortageAsync(["fill-ledger-disk"], ["free-ledger-disk"], () => refusedSince = DateTimeOffset.UtcNow, diskFull), new LoadShape(While: diskFull.InEffect), false,
                () => Task.FromResult<string?>(DiskFullAccount(load.RefusalsSince(refusedSince))));
            foreach (var alarm in new[] { "memory", "disk" })
            {
                var raised = DateTimeOffset.MaxValue;
                var alarmed = new ShortageWindow();
                yield return new Scenario($"RabbitMQ {alarm} alarm mid-load, cleared later",
                    _ => ShortageAsync(["raise-rabbitmq-alarm", alarm], ["clear-rabbitmq-alarms"], () => raised = DateTimeOffset.UtcNow, alarmed), new LoadShape(While: alarmed.InEffect), false,
                    () => Task.FromResult<string?>(AlarmAccount(alarm, bus.LongestHeldSince(raised))));
            }
        }

        /// <summary>The alarm bit only if the broker held a publish of the battery's (blocked it, or held back its confirm) until it cleared.</summary>
        private static string AlarmAccount(string alarm, TimeSpan held) => held >= TimeSpan.FromSeconds(1)
            ? $"the broker held the battery's publishes up to {held.TotalSeconds:0.0} s until the {alarm} alarm cleared; each was then taken once"
            : $"FAIL the {alarm} alarm never held a publish of the battery's (longest wait for a confirm {held.TotalSeconds:0.0} s)";

        /// <summary>
        /// Takes the resource away for half the load's length, then gives it back (always, even when taking failed
        /// half-way). The load goes on while the shortage is in effect (<see cref="LoadShape.While"/>): taking it can
        /// take seconds (the disk-full fault compacts and moves the ledger's table), and a shortage that outlasts the
        /// load bites nobody.
        /// </summary>
        private async Task ShortageAsync(string[] take, string[] giveBack, Action taken, ShortageWindow window)
        {
            window.Open();
            try
            {
                taken();
                await platform.ControlAsync(take);
                await Task.Delay(options.LoadFor * 0.5);
            }
            finally
            {
                await platform.ControlAsync(giveBack);
                window.Close();
            }
        }

        /// <summary>The disk-full fault bit only if HTTP clients were told to come back later: 503, ledger-unavailable, Retry-After.</summary>
        private static string DiskFullAccount(IReadOnlyList<Refusal> refusals)
        {
            var fitting = refusals.Count(r => r is { Status: 503, RetryAfter: not null } && r.Problem.Contains("ledger-unavailable", StringComparison.Ordinal));
            // A lost write race (409 concurrent-write) is part of any load; a server error other than the shortage is not.
            var other = refusals.Where(r => r.Status >= 500 && !(r.Status == 503 && r.Problem.Contains("ledger-unavailable", StringComparison.Ordinal))).ToList();
            if (fitting == 0)
            {
                return "FAIL no HTTP command was refused with 503 ledger-unavailable and Retry-After while the ledger's disk was full"
                    + (other.Count > 0 ? $"; refused otherwise: {other[0].Status} {other[0].Problem}" : string.Empty);
            }

            if (other.Count > 0)
            {
                return $"FAIL {other.Count} server errors besides 503 ledger-unavailable, e.g. {other[0].Status} {other[0].Problem}";
            }

            var example = refusals.First(r => r.Status == 503);
            return $"{fitting} HTTP command(s) refused with 503 ledger-unavailable (Retry-After: {example.RetryAfter}) and accepted when tried again after the disk was freed";
        }

        /// <summary>SIGKILL, a second's pause, start again; applied once the new process is live, so the report splits the
        /// recovery into the cold start and what follows it (docs/reliability.md, "Recovery time, before and after").</summary>
        private async Task KillAndStartAsync(string service, List<string> failures)
        {
            var victim = platform.Of(service).First();
            victim.Kill();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var cold = Stopwatch.StartNew();
            await platform.StartAsync(victim);
            if (await platform.LiveAsync(victim, TimeSpan.FromSeconds(120)))
            {
                Console.WriteLine($"  {victim.Label} started a second after the kill, live {cold.Elapsed.TotalSeconds:0.0} s later");
            }
            else
            {
                failures.Add($"{victim.Label} did not come up (live) within 120 s of its start");
            }
        }

        /// <summary>
        /// Stops a dependency, cold-starts one service while it is down (it must come up live but not ready),
        /// then starts the dependency again. (Starting the dependency alongside the cold start instead was tried for
        /// RabbitMQ and gained nothing: both are CPU-bound, and two cores were shared between them; docs/reliability.md.)
        /// </summary>
        private async Task RestartAsync(string dependency, string title, string coldService, List<string> failures)
        {
            var phase = Stopwatch.StartNew();
            await platform.ControlAsync("stop-" + dependency);
            var stopped = phase.Elapsed;
            var cold = platform.Of(coldService).FirstOrDefault();
            if (cold is not null)
            {
                cold.Kill();
                await platform.StartAsync(cold);
                // A cold start on two busy cores can take a while; what matters is that it comes up without the dependency.
                if (!await platform.LiveAsync(cold, TimeSpan.FromSeconds(120)))
                {
                    failures.Add($"{cold.Label} did not come up (live) within 120 s while {title} was down");
                }
                else if (await platform.ReadyAsync(cold))
                {
                    failures.Add($"{cold.Label} reported ready while {title} was down");
                }
            }
            else
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
            }

            var down = phase.Elapsed;
            await platform.ControlAsync("start-" + dependency);
            // Where a restart's recovery time goes (docs/reliability.md, "Recovery time, before and after").
            Console.WriteLine($"  {title} stopped in {stopped.TotalSeconds:0.0} s; {(cold is null ? "kept down" : cold.Label + " cold-started, live")} "
                + $"{(down - stopped).TotalSeconds:0.0} s later; {title} started in {(phase.Elapsed - down).TotalSeconds:0.0} s");
        }

        private async Task StopNodeAsync(int node, List<string> failures)
        {
            await platform.ControlAsync("stop-node", node.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await Task.Delay(options.LoadFor * 0.3);
            try
            {
                // Replicas on the stopped node move to another one; the platform stays ready on two nodes of three.
                await platform.WaitReadyAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                failures.Add($"not every service was ready while only RabbitMQ node {node} was down");
            }

            await platform.ControlAsync("start-node", node.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
