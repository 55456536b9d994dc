using System.Globalization;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// CPU time each part of the platform spent over a scenario (user + system, from /proc), so a rate below its ceiling
/// can be traced to the process that used the machine: the services, PostgreSQL (all its backends) and RabbitMQ.
/// </summary>
public sealed class CpuWatch
{
    private const double TicksPerSecond = 100;
    private readonly Func<Dictionary<string, double>> sample;
    private readonly Dictionary<string, double> before;

    public CpuWatch(BenchOptions options)
    {
        var services = Platform.Ports.Keys.ToDictionary(s => s, options.PidOf);
        var postmaster = BenchOptions.FirstLineNumber(Path.Combine(options.Root, ".local", "pg", "data", "postmaster.pid"));
        var rabbit = options.RabbitPid();
        sample = () =>
        {
            var seconds = new Dictionary<string, double>();
            foreach (var (service, pid) in services)
            {
                if (pid is { } p && Seconds(p) is { } s)
                {
                    seconds[service] = s;
                }
            }

            if (postmaster is { } pm)
            {
                seconds["PostgreSQL"] = (Seconds(pm) ?? 0) + ChildrenOf(pm).Sum(c => Seconds(c) ?? 0);
            }

            if (rabbit is { } r && Seconds(r) is { } rs)
            {
                seconds["RabbitMQ"] = rs;
            }

            return seconds;
        };
        before = sample();
    }

    /// <summary>CPU milliseconds per unit of work, by part, since this watch started.</summary>
    public IReadOnlyDictionary<string, double> PerUnit(long units)
    {
        var after = sample();
        return after.Where(a => before.ContainsKey(a.Key))
            .ToDictionary(a => a.Key, a => units == 0 ? 0 : (a.Value - before[a.Key]) * 1000 / units);
    }

    private static double? Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the command name: state is field 3, utime field 14 and stime field 15 of the whole line; cutime and
            // cstime (16, 17) are the children that ended and were waited for: PostgreSQL's backends that closed meanwhile,
            // whose time would otherwise vanish from the sum (a negative figure when many closed).
            return fields.Skip(11).Take(4).Sum(f => long.Parse(f, CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.TryParse(fields[1], out var ppid) && ppid == parent)
            {
                yield return pid;
            }
        }
    }
}
