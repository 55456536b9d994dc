using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AuditPlatform.FaultBattery;

/// <summary>What one look at a replica's <c>/health/ready</c> found.</summary>
public readonly record struct ReplicaLook(bool Ready, bool LeadsForwarder);

/// <summary>One running copy of a service, started by the battery from its Release build.</summary>
public sealed class ServiceReplica(string name, int replica, int port, string root, string logs)
{
    private Process? process;

    public string Name { get; } = name;

    public int Replica { get; } = replica;

    public Uri BaseAddress { get; } = new($"http://127.0.0.1:{port}");

    public string Label => Replica == 0 ? Name : $"{Name}#{Replica + 1}";

    /// <summary>Where its output goes, appended across its starts.</summary>
    public string LogPath { get; } = Path.Combine(logs, $"{name.ToLowerInvariant()}-{replica + 1}.log");

    public bool Running => process is { HasExited: false };

    public void Start(IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(root, "services", Name, "bin", "Release", "net10.0", $"AuditPlatform.{Name}.dll");
        // exec: the process the battery holds is the service itself, so SIGKILL reaches it and nothing else.
        var info = new ProcessStartInfo("bash", ["-c", $"exec dotnet \"$0\" --urls \"$1\" >> \"$2\" 2>&1 < /dev/null", dll, BaseAddress.ToString().TrimEnd('/'), LogPath])
        {
            WorkingDirectory = Path.Combine(root, "services", Name),
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["Ledger__ApplySchemaOnStartup"] = "false";
        File.AppendAllText(LogPath, $"--- started by the fault battery at {DateTimeOffset.UtcNow:O}{Environment.NewLine}");
        process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + Label);
    }

    /// <summary>SIGKILL: no shutdown hooks, no graceful drain, in-flight messages unacknowledged.</summary>
    public void Kill()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: false);
            process.WaitForExit();
        }
    }

    /// <summary>SIGTERM and a bounded wait: the normal way down at the end of a run.</summary>
    public async Task StopAsync()
    {
        if (process is not { HasExited: false })
        {
            return;
        }

        using (Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }
}

/// <summary>The platform under test: the services the repository has, and the control script for infrastructure.</summary>
public sealed class Platform(BatteryOptions options, IReadOnlyList<ServiceReplica> replicas)
{
    /// <summary>The services of the platform, in the order their ports are assigned.</summary>
    public static readonly string[] Known = ["Intake", "Notification", "Escalation", "Audit"];

    private readonly HttpClient health = new() { Timeout = TimeSpan.FromSeconds(3) };
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> environments = [];

    public IReadOnlyList<ServiceReplica> Replicas { get; } = replicas;

    public bool Has(string service) => Replicas.Any(r => r.Name == service);

    public IEnumerable<ServiceReplica> Of(string service) => Replicas.Where(r => r.Name == service);

    public static Platform Discover(BatteryOptions options)
    {
        var logs = Path.Combine(options.Results, "fault-battery-logs");
        Directory.CreateDirectory(logs);
        var replicas = new List<ServiceReplica>();
        foreach (var (name, index) in Known.Select((n, i) => (n, i)))
        {
            var dll = Path.Combine(options.Root, "services", name, "bin", "Release", "net10.0", $"AuditPlatform.{name}.dll");
            if (!File.Exists(dll))
            {
                continue;
            }

            for (var replica = 0; replica < options.Replicas; replica++)
            {
                replicas.Add(new ServiceReplica(name, replica, options.BasePort + (index * 10) + replica, options.Root, logs));
            }
        }

        return new Platform(options, replicas);
    }

    public async Task StartAsync(ServiceReplica replica)
    {
        var environment = new Dictionary<string, string>(await EnvironmentOfAsync(replica.Name));
        if (replica.Name == "Audit")
        {
            // A checkpoint soon after each fault, so the consistency proof (ChainCheck) need not wait 30 s for one.
            environment["Audit__CheckpointInterval"] = options.CheckpointInterval.ToString("c", CultureInfo.InvariantCulture);
        }

        if (replica.Name == "Escalation")
        {
            // Deadlines that fall due during the load, so every fault is also a test of raising each one once.
            var policy = Path.Combine(options.Results, "fault-battery-escalation.json");
            await File.WriteAllTextAsync(policy, DeadlinePolicy);
            environment["ESCALATION_POLICY"] = policy;
            environment["Escalation__DeadlineSweepInterval"] = "00:00:01";
        }

        replica.Start(environment);
    }

    /// <summary>
    /// The battery's escalation ladder: a level's deadline every 6 s up to the last (none of them suspends sharing, which
    /// would turn the load's later disclosures into refusals and their notices into none).
    /// </summary>
    public const string DeadlinePolicy = """
        {
          "levels": [
            { "level": 1, "name": "operational", "respondWithin": "PT6S", "onEnter": [] },
            { "level": 2, "name": "agency", "respondWithin": "PT6S", "onEnter": [] },
            { "level": 3, "name": "ministerial", "respondWithin": "PT6S", "onEnter": [] },
            { "level": 4, "name": "head-of-government", "respondWithin": "P7D", "onEnter": [] }
          ],
          "startLevel": { "critical": 2 },
          "resolvingResponses": ["assurance", "remediation"]
        }
        """;

    public async Task StartAllAsync()
    {
        foreach (var replica in Replicas)
        {
            await StartAsync(replica);
        }

        await WaitReadyAsync(TimeSpan.FromSeconds(120));
    }

    public async Task StopAllAsync()
    {
        await Task.WhenAll(Replicas.Select(r => r.StopAsync()));
    }

    /// <summary>
    /// Whether the replica is ready and consuming: <c>/health/ready</c> answers 2xx and its bus check, when it has one,
    /// is healthy. A service whose broker connection is lost still answers 200 "degraded" (it serves HTTP and reads from
    /// the ledger meanwhile, so an orchestrator keeps sending it requests), but it consumes nothing until its receive
    /// endpoints are back: recovery from a broker fault is over when they are.
    /// </summary>
    public async Task<bool> ReadyAsync(ServiceReplica replica) => (await LookAsync(replica)).Ready;

    /// <summary>One look at a replica's readiness: ready as <see cref="ReadyAsync"/> says, and whether it leads its ledger forwarder.</summary>
    public async Task<ReplicaLook> LookAsync(ServiceReplica replica)
    {
        try
        {
            using var response = await health.GetAsync(new Uri(replica.BaseAddress, "/health/ready"));
            // Read once for both: the watch looks at every replica four times a second.
            var checks = Checks(await response.Content.ReadAsStringAsync());
            return new ReplicaLook(response.IsSuccessStatusCode && BusHealthy(checks), LeadsForwarder(checks));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new ReplicaLook(false, false);
        }
    }

    /// <summary>The <c>masstransit-bus</c> check of a readiness answer is healthy, or the service has none; an answer that is not JSON is not.</summary>
    private static bool BusHealthy(JsonElement? readiness) => readiness is { } checks
        && (!checks.TryGetProperty("masstransit-bus", out var bus) || (bus.TryGetProperty("status", out var status) && status.GetString() == "healthy"));

    /// <summary>The <c>ledger-forwarder</c> check of a readiness answer says this replica leads its forwarder.</summary>
    private static bool LeadsForwarder(JsonElement? readiness) => readiness is { } checks
        && checks.TryGetProperty("ledger-forwarder", out var forwarder)
        && forwarder.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("leads", out var leads) && leads.ValueKind == JsonValueKind.True;

    /// <summary>The checks of a readiness answer (an empty object when it lists none); null when the answer is not JSON.</summary>
    private static JsonElement? Checks(string readiness)
    {
        try
        {
            using var answer = JsonDocument.Parse(readiness);
            return answer.RootElement.TryGetProperty("checks", out var checks) ? checks.Clone() : JsonDocument.Parse("{}").RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public async Task<bool> LiveAsync(ServiceReplica replica, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within && replica.Running)
        {
            try
            {
                using var response = await health.GetAsync(new Uri(replica.BaseAddress, "/health/live"));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        return false;
    }

    public async Task<bool> AllReadyAsync()
    {
        var ready = await Task.WhenAll(Replicas.Select(ReadyAsync));
        return ready.All(r => r);
    }

    /// <summary>Waits until every replica reports ready; the elapsed time, or throws after <paramref name="within"/>.</summary>
    public async Task<TimeSpan> WaitReadyAsync(TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (await AllReadyAsync())
            {
                return clock.Elapsed;
            }

            foreach (var dead in Replicas.Where(r => !r.Running))
            {
                throw new InvalidOperationException($"{dead.Label} exited; see its log under {options.Results}/fault-battery-logs");
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"not every service became ready within {within.TotalSeconds:0} s");
    }

    /// <summary>Runs a verb of the control script (restart-rabbitmq, restart-postgres, stop-node 2, ...).</summary>
    public async Task ControlAsync(params string[] verb)
    {
        var (code, output) = await RunControlAsync(verb);
        if (code != 0)
        {
            throw new InvalidOperationException($"control {string.Join(' ', verb)} failed ({code}): {output}");
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> EnvironmentOfAsync(string service)
    {
        // Asked once per service: a restart inside a fault must not wait for a shell to source lib.sh again.
        if (environments.TryGetValue(service, out var known))
        {
            return known;
        }

        var (code, output) = await RunControlAsync("service-env", service.ToLowerInvariant());
        if (code != 0)
        {
            throw new InvalidOperationException($"control service-env {service} failed ({code}): {output}");
        }

        var environment = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        environments[service] = environment;
        return environment;
    }

    private async Task<(int Code, string Output)> RunControlAsync(params string[] verb)
    {
        var info = new ProcessStartInfo("bash", [options.Control, .. verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not run " + options.Control);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
