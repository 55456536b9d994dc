using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;

namespace AuditPlatform.FaultBattery;

/// <summary>
/// Cluster faults of their own: the PostgreSQL primary killed under load (Patroni promotes the synchronous standby), and a
/// RabbitMQ node frozen. Each checks what the reconciliation cannot see by itself and writes its figures to
/// <c>&lt;results&gt;/cluster-faults.md</c>, one line per run of a fault.
/// </summary>
public static class ClusterFaults
{
    /// <summary>The cluster's extra scenarios, in the order they run.</summary>
    public static IEnumerable<Scenario> Scenarios(BatteryOptions options, Platform platform)
    {
        var failover = new PostgresFailover(options, platform);
        yield return new Scenario("SIGKILL the PostgreSQL primary mid-load (Patroni promotes the standby)", failover.InjectAsync, new LoadShape(), true, failover.AfterwardsAsync);
        var freeze = new FrozenNode(options, platform, 1, TimeSpan.FromSeconds(30));
        yield return new Scenario("freeze RabbitMQ node 1 of 3 with SIGSTOP for 30 s mid-load, then SIGCONT", _ => freeze.InjectAsync(), new LoadShape(), true);
    }

    /// <summary>A verb of the control script whose output is wanted (pg-primary); the battery's own runner keeps output to failures.</summary>
    internal static async Task<string> ControlOutputAsync(BatteryOptions options, params string[] verb)
    {
        var info = new ProcessStartInfo("bash", [options.Control, .. verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not run " + options.Control);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? (await stdout).Trim() : throw new InvalidOperationException($"control {string.Join(' ', verb)} failed: {await stderr}");
    }

    internal static async Task NoteAsync(BatteryOptions options, string line)
    {
        Console.WriteLine("  " + line);
        Directory.CreateDirectory(options.Results);
        await File.AppendAllTextAsync(Path.Combine(options.Results, "cluster-faults.md"),
            $"- {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC: {line}{Environment.NewLine}");
    }
}

/// <summary>
/// SIGKILL of the primary's postmaster while the load runs. Measured from the kill: when Patroni reports another member
/// primary, when the platform's first command is committed on it (the earliest ledger row recorded after the kill), and
/// when each replica, then all, answer ready. Afterwards Audit's <c>/audit/verify</c> must find the chain intact across
/// the failover and covering the whole ledger: the chain follower went on from the new primary without a gap or a fork.
/// </summary>
public sealed class PostgresFailover(BatteryOptions options, Platform platform)
{
    private static readonly TimeSpan VerifyWithin = TimeSpan.FromSeconds(120);
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly HttpClient patroni = new() { Timeout = TimeSpan.FromSeconds(2) };
    private List<string> failures = [];
    private DateTimeOffset killedAt;
    private long verifyFrom = 1;

    public async Task InjectAsync(List<string> scenarioFailures)
    {
        failures = scenarioFailures;
        // Verified afterwards from here: the stretch of the chain that spans the failover (earlier runs on the same ledger have had their own verdict).
        verifyFrom = await LastSequenceAsync();
        var before = await ClusterFaults.ControlOutputAsync(options, "pg-primary");
        var members = (await ClusterFaults.ControlOutputAsync(options, "pg-members")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')).ToDictionary(parts => parts[0], parts => new Uri(parts[1].TrimEnd('/') + "/primary"));
        var killed = await ClusterFaults.ControlOutputAsync(options, "kill-pg-primary");
        // The script says when it sent the signal: starting it takes a while on a loaded machine.
        killedAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(killed[(killed.LastIndexOf(" at ", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture) * 1000));
        var clock = Stopwatch.StartNew();
        var offset = DateTimeOffset.UtcNow - killedAt;
        var oldMember = before.Split(',')[0].Replace("member ", string.Empty, StringComparison.Ordinal);
        string? promotedMember = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && promotedMember is null)
        {
            foreach (var (member, primary) in members.Where(m => m.Key != oldMember))
            {
                try
                {
                    using var response = await patroni.GetAsync(primary);
                    promotedMember = response.IsSuccessStatusCode ? member : null;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // Patroni busy promoting: ask again.
                }
            }

            await Task.Delay(50);
        }

        var promoted = clock.Elapsed + offset;
        var after = await ClusterFaults.ControlOutputAsync(options, "pg-primary");
        if (promotedMember is null)
        {
            failures.Add($"no other member became primary within 60 s of the kill (primary: {after})");
            return;
        }

        // Each replica's first ready answer after the promotion, and the moment all were ready at once.
        var firstReady = new Dictionary<string, TimeSpan>();
        TimeSpan? allReady = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(120) && allReady is null)
        {
            var ready = await Task.WhenAll(platform.Replicas.Select(async r => (r.Label, Ready: await platform.ReadyAsync(r))));
            foreach (var (label, _) in ready.Where(r => r.Ready))
            {
                firstReady.TryAdd(label, clock.Elapsed + offset);
            }

            allReady = ready.All(r => r.Ready) ? clock.Elapsed + offset : null;
            await Task.Delay(100);
        }

        var slowest = firstReady.MaxBy(r => r.Value);
        await ClusterFaults.NoteAsync(options, string.Create(CultureInfo.InvariantCulture,
            $"PostgreSQL failover: primary was {before}, now {after}; promoted {promoted.TotalSeconds:0.0} s after the kill; every replica ready {(allReady is { } a ? $"{a.TotalSeconds:0.0} s" : "not within 120 s")} after it (slowest first ready: {slowest.Key} at {slowest.Value.TotalSeconds:0.0} s)"));
    }

    public async Task<string?> AfterwardsAsync()
    {
        var firstWrite = await FirstWriteAfterKillAsync();
        await ClusterFaults.NoteAsync(options, "PostgreSQL failover: the platform's first command on the new primary was committed "
            + (firstWrite is { } w ? w.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s after the kill" : "never"));
        var audit = platform.Of("Audit").FirstOrDefault();
        if (audit is null)
        {
            await ClusterFaults.NoteAsync(options, "PostgreSQL failover: Audit is not built, the chain was not verified");
            return null;
        }

        var (verified, upTo, last, detail) = await VerifyAsync(audit);
        if (!verified)
        {
            failures.Add("the hash chain does not verify after the failover: " + detail);
        }
        else if (upTo < last)
        {
            failures.Add($"the chain stopped at sequence {upTo} of {last} after the failover: {detail}");
        }

        await ClusterFaults.NoteAsync(options, string.Create(CultureInfo.InvariantCulture,
            $"PostgreSQL failover: /audit/verify from sequence {verifyFrom} (before the kill) {(verified ? "verified" : "FAILED")} up to sequence {upTo} of {last} ({detail})"));
        return null;
    }

    /// <summary>From the kill to the earliest event recorded after it (the ledger's clock is this machine's).</summary>
    private async Task<TimeSpan?> FirstWriteAfterKillAsync()
    {
        await using var connection = new NpgsqlConnection(options.Ledger);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select extract(epoch from min(timestamp) - $1)::float8 from ledger.mt_events where timestamp > $1 and stream_id <> 'mt_tombstone'", connection);
        command.Parameters.AddWithValue(killedAt);
        return await command.ExecuteScalarAsync() is double seconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    /// <summary>
    /// Asks <c>/audit/verify</c> until the chain covers the ledger as it stood when asked (the follower catches up after
    /// the load) or the wait ends; the verdict, the last sequence verified and the ledger's last sequence.
    /// </summary>
    private async Task<(bool Verified, long UpTo, long Last, string Detail)> VerifyAsync(ServiceReplica audit)
    {
        var token = DevToken.Mint(options.SigningKeyFile, "compliance");
        var clock = Stopwatch.StartNew();
        (bool, long, long, string) outcome = (false, 0, 0, "not asked");
        while (clock.Elapsed < VerifyWithin)
        {
            try
            {
                var last = await LastSequenceAsync();
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(audit.BaseAddress, $"/audit/verify?from={verifyFrom}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    outcome = (false, 0, last, $"{(int)response.StatusCode} {body}");
                }
                else
                {
                    using var json = JsonDocument.Parse(body);
                    var verified = json.RootElement.GetProperty("verified").GetBoolean();
                    var upTo = json.RootElement.TryGetProperty("upTo", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt64() : 0;
                    var checkedCount = json.RootElement.GetProperty("checked").GetInt64();
                    outcome = (verified, upTo, last, verified ? $"{checkedCount} events checked" : json.RootElement.GetProperty("firstFailure").ToString());
                    // The ledger's last event may be the checkpoint the follower is about to chain: one behind is the follower's pace.
                    if (!verified || upTo >= last)
                    {
                        return outcome;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or NpgsqlException)
            {
                outcome = (false, 0, 0, e.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        return outcome;
    }

    private async Task<long> LastSequenceAsync()
    {
        await using var connection = new NpgsqlConnection(options.Ledger);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select coalesce(max(seq_id), 0) from ledger.mt_events", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// A RabbitMQ node's Erlang VM stopped with SIGSTOP: its sockets stay open but nothing answers, which connections notice
/// only by their heartbeats. Thawed with SIGCONT after the pause; every replica must be ready again afterwards.
/// </summary>
public sealed class FrozenNode(BatteryOptions options, Platform platform, int node, TimeSpan pause)
{
    public async Task InjectAsync()
    {
        var number = node.ToString(CultureInfo.InvariantCulture);
        await platform.ControlAsync("freeze-node", number);
        var clock = Stopwatch.StartNew();
        try
        {
            await Task.Delay(pause);
        }
        finally
        {
            await platform.ControlAsync("thaw-node", number);
        }

        await ClusterFaults.NoteAsync(options, string.Create(CultureInfo.InvariantCulture, $"RabbitMQ node {node} frozen for {clock.Elapsed.TotalSeconds:0.0} s, then thawed"));
    }
}
