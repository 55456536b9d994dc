using System.Globalization;

namespace AuditPlatform.FaultBattery;

/// <summary>What the battery runs against and how hard it pushes.</summary>
public sealed record BatteryOptions
{
    public bool Quick { get; init; }

    /// <summary>The cluster variant: two replicas of each service and a RabbitMQ node stopped mid-load.</summary>
    public bool Cluster { get; init; }

    public required string Root { get; init; }

    public required string Results { get; init; }

    /// <summary>The script that restarts infrastructure and prints a service's environment (control.sh).</summary>
    public required string Control { get; init; }

    /// <summary>Owner connection to the platform's database, to read <c>ledger.mt_events</c>.</summary>
    public required string Ledger { get; init; }

    /// <summary>An administrator's AMQP address on the platform's vhost; in cluster mode, any node.</summary>
    public required Uri Bus { get; init; }

    /// <summary>Every RabbitMQ node (host:port) a publisher may use.</summary>
    public required IReadOnlyList<string> BusNodes { get; init; }

    public required string SigningKeyFile { get; init; }

    public int BasePort { get; init; } = 5301;

    public int Replicas { get; init; } = 1;

    /// <summary>Commands per second across all kinds and channels.</summary>
    public int Rate { get; init; } = 20;

    /// <summary>How long the load runs in each scenario.</summary>
    public TimeSpan LoadFor { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the platform may take to record everything accepted once the load stops.</summary>
    public TimeSpan SettleWithin { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>How often the battery's Audit signs a checkpoint while there is news (Audit:CheckpointInterval, 30 s by default).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Only scenarios whose name contains one of these (empty: all).</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    public static BatteryOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        string Required(string name, string? environment = null) =>
            Value(name) ?? (environment is null ? null : Environment.GetEnvironmentVariable(environment))
            ?? throw new ArgumentException($"{name} is required" + (environment is null ? "." : $" (or {environment})."));

        var quick = args.Contains("--quick");
        var cluster = args.Contains("--cluster");
        var root = Path.GetFullPath(Value("--root") ?? Directory.GetCurrentDirectory());
        var bus = new Uri(Required("--bus", "AUDIT_RABBITMQ"));
        var nodes = Value("--bus-nodes")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? [$"{bus.Host}:{bus.Port}"];
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        return new BatteryOptions
        {
            Quick = quick,
            Cluster = cluster,
            Root = root,
            Results = Path.GetFullPath(Value("--results") ?? Environment.GetEnvironmentVariable("AUDIT_TEST_RESULTS") ?? Path.Combine(root, ".local", "fault-battery")),
            Control = Value("--control") ?? Path.Combine(root, "tests", "AuditPlatform.FaultBattery", "control.sh"),
            Ledger = Required("--ledger", "AUDIT_PG"),
            Bus = bus,
            BusNodes = nodes,
            SigningKeyFile = Value("--signing-key") ?? Path.Combine(Environment.GetEnvironmentVariable("AUDIT_SECRETS") ?? Path.Combine(root, ".local", "secrets"), "jwt-signing.key"),
            BasePort = Int("--base-port", 5301),
            Replicas = Int("--replicas", cluster ? 2 : 1),
            Rate = Int("--rate", quick ? 16 : 30),
            LoadFor = TimeSpan.FromSeconds(Int("--seconds", quick ? 8 : 30)),
            SettleWithin = TimeSpan.FromSeconds(Int("--settle", quick ? 60 : 180)),
            CheckpointInterval = TimeSpan.FromSeconds(Int("--checkpoint-interval", 2)),
            Only = Value("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [],
        };
    }
}
