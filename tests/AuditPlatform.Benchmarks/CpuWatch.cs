using System.Diagnostics;
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
    private readonly (double Busy, double All)? machineBefore = Machine();
    private readonly Stopwatch clock = Stopwatch.StartNew();

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

            seconds[Benchmark] = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
            return seconds;
        };
        before = sample();
    }

    /// <summary>The benchmark's own process, which shares the machine with the platform.</summary>
    public const string Benchmark = "benchmark";

    /// <summary>CPU milliseconds per unit of work, by part of the platform (the benchmark left out), since this watch started.</summary>
    public IReadOnlyDictionary<string, double> PerUnit(long units)
    {
        var after = sample();
        return after.Where(a => a.Key != Benchmark && before.ContainsKey(a.Key))
            .ToDictionary(a => a.Key, a => units == 0 ? 0 : (a.Value - before[a.Key]) * 1000 / units);
    }

    /// <summary>
    /// Where the machine's CPU went since this watch started, as a row's profile: how busy all the cores were (from
    /// <c>/proc/stat</c>), and each part's share in cores, the busiest first; "the 2 cores 97 % busy: PostgreSQL 1.02
    /// cores, Notification 0.38, …". A rate held below its target by a machine with nothing left says so here; one
    /// whose cores sat idle is held by something else (a wait, a round trip, one busy thread).
    /// </summary>
    public string Shares()
    {
        var seconds = clock.Elapsed.TotalSeconds;
        var after = sample();
        var parts = after.Where(a => before.ContainsKey(a.Key))
            .Select(a => (Part: a.Key, Cores: seconds <= 0 ? 0 : (a.Value - before[a.Key]) / seconds))
            .Where(p => p.Cores >= 0.005)
            .OrderByDescending(p => p.Cores)
            .Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{p.Part} {p.Cores:0.00}{(i == 0 ? " cores" : string.Empty)}"));
        var busy = machineBefore is { } m && Machine() is { } now && now.All > m.All
            ? string.Create(CultureInfo.InvariantCulture, $"the {Environment.ProcessorCount} cores {(now.Busy - m.Busy) / (now.All - m.All) * 100:0} % busy")
            : "the cores' use not known";
        return $"{busy} over {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s: {string.Join(", ", parts)}";
    }

    /// <summary>Cores the platform's processes (the benchmark left out) used together since this watch started.</summary>
    public double PlatformCores()
    {
        var seconds = clock.Elapsed.TotalSeconds;
        var after = sample();
        return seconds <= 0 ? 0 : after.Where(a => a.Key != Benchmark && before.ContainsKey(a.Key)).Sum(a => a.Value - before[a.Key]) / seconds;
    }

    /// <summary>Busy and total jiffies of all cores together (the first line of <c>/proc/stat</c>; idle and iowait count as not busy).</summary>
    private static (double Busy, double All)? Machine()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Take(8).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var all = fields.Sum();
            return (all - fields[3] - fields[4], all);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
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
