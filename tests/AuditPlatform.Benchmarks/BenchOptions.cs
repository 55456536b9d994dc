using Npgsql;

namespace AuditPlatform.Benchmarks;

/// <summary>Where the platform is and how big the run is; connection settings come from <c>.local/env</c>.</summary>
public sealed record BenchOptions(
    bool Quick,
    string Root,
    string Ledger,
    string PostgresAdmin,
    Uri Bus,
    Uri BusAdmin,
    string Output,
    IReadOnlySet<string>? Only,
    int? LedgerSize = null)
{
    /// <summary>Sizes of one run: the quick run keeps every scenario but shrinks the counts.</summary>
    public int RabbitMessages => Quick ? 20_000 : 100_000;

    public TimeSpan PostgresWindow => TimeSpan.FromSeconds(Quick ? 4 : 10);

    public int CombinedMessages => Quick ? 4_000 : 20_000;

    /// <summary>The disclosures of the full run's saturated bus figure; the soak measures its rate the same way.</summary>
    public const int SaturatedDisclosures = 10_000;

    public int BusDisclosures => Quick ? 3_000 : SaturatedDisclosures;

    /// <summary>Disclosures per round of the warm-up before the bus scenario is timed, and at most how many rounds.</summary>
    public int WarmUpRound => Quick ? 500 : 1_000;

    public int WarmUpRounds => Quick ? 4 : 10;

    /// <summary>The disclosures whose notices to two webhook partners make the backlog the webhook drain is timed on.</summary>
    public int WebhookDisclosures => Quick ? 1_500 : 5_000;

    public TimeSpan LatencyWindow => TimeSpan.FromSeconds(Quick ? 6 : 20);

    public TimeSpan HttpWindow => TimeSpan.FromSeconds(Quick ? 6 : 20);

    public int Breaches => Quick ? 5 : 40;

    public int LedgerEvents => LedgerSize ?? (Quick ? 30_000 : 1_000_000);

    public int AuditQueries => Quick ? 100 : 400;

    public bool Runs(string scenario) => Only is null || Only.Contains(scenario);

    /// <summary>The development token of a role, read once: the timed requests do not wait on a file each.</summary>
    public string Token(string role) => tokens.GetOrAdd(role, r =>
    {
        var file = Path.Combine(Root, ".local", "tokens", r + ".jwt");
        return File.Exists(file)
            ? File.ReadAllText(file).Trim()
            : throw new InvalidOperationException($"no {r} token at {file}: start the platform with deploy/local/up.sh");
    });

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> tokens = new(StringComparer.Ordinal);

    /// <summary>The pid up.sh recorded for a service, if that process still runs.</summary>
    public int? PidOf(string service)
    {
        var file = Path.Combine(Root, ".local", "run", service.ToLowerInvariant() + ".pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) && Directory.Exists($"/proc/{pid}") ? pid : null;
    }

    /// <summary>The pid of this checkout's RabbitMQ node (its Erlang VM), from the pid file lib.sh has it write.</summary>
    public int? RabbitPid()
    {
        var mnesia = Path.Combine(Root, ".local", "rabbitmq", "mnesia");
        return Directory.Exists(mnesia) ? Directory.GetFiles(mnesia, "*.pid").Select(FirstLineNumber).FirstOrDefault(p => p is not null) : null;
    }

    /// <summary>The number on the first line of a pid file, if there is one.</summary>
    public static int? FirstLineNumber(string file) =>
        File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;

    /// <summary>The owner's connection to a throwaway database of the admin's server.</summary>
    public string AdminConnectionTo(string database) => new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = database }.ConnectionString;

    public static BenchOptions Parse(string[] args)
    {
        var quick = false;
        string? only = null;
        string? output = null;
        string? root = null;
        int? ledgerSize = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--only": only = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--root": root = args[++i]; break;
                case "--ledger-events": ledgerSize = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i]} (usage: bench [--quick] [--only ceilings,bus,webhook,http,breach,audit] [--ledger-events n] [--out file] [--root dir] | bench micro)");
            }
        }

        root ??= Environment.GetEnvironmentVariable("AUDIT_ROOT") ?? Directory.GetCurrentDirectory();
        return new BenchOptions(
            quick,
            root,
            Required("AUDIT_PG"),
            Required("AUDIT_PG_ADMIN"),
            new Uri(Required("AUDIT_RABBITMQ")),
            new Uri(Required("AUDIT_RABBITMQ_ADMIN")),
            output ?? Path.Combine(root, "tests", "AuditPlatform.Benchmarks", "results", quick ? "quick.json" : "latest.json"),
            only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(),
            ledgerSize);
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: source .local/env (written by deploy/local/up.sh)");
}
