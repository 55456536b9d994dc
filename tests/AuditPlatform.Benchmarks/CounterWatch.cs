using System.Globalization;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// How much runtime counters of each service grew over a scenario, read from the service's own <c>/metrics</c> (one
/// scrape per service for every counter watched):
/// <see cref="Allocated"/> (managed bytes allocated; unlike CPU time on a shared machine it hardly moves between runs of
/// one build, so a change to a hot path shows there first) and <see cref="JitTime"/> (seconds spent compiling, which
/// tells a warm service from one still compiling its hot paths).
/// </summary>
public sealed class CounterWatch
{
    public const string Allocated = "dotnet_gc_heap_total_allocated_bytes_total";
    public const string JitTime = "dotnet_jit_compilation_time_seconds_total";
    public const string GcPauseTime = "dotnet_gc_pause_time_seconds_total";
    public const string Collections = "dotnet_gc_collections_total";

    private readonly HttpClient client;
    private readonly string[] counters;
    private readonly Dictionary<(string Service, string Counter), double> before;

    private CounterWatch(HttpClient client, string[] counters, Dictionary<(string Service, string Counter), double> before)
    {
        this.client = client;
        this.counters = counters;
        this.before = before;
    }

    public static async Task<CounterWatch> StartAsync(HttpClient client, params string[] counters) => new(client, counters, await SampleAsync(client, counters));

    /// <summary>How much the first counter grew per unit of work, by service, since this watch started (services that did not answer are left out).</summary>
    public async Task<IReadOnlyDictionary<string, double>> PerUnitAsync(double units) => (await GrowthAsync(units))[counters[0]];

    /// <summary>How much each counter grew per unit of work, by counter and then by service, from one scrape of each service.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>>> GrowthAsync(double units)
    {
        var after = await SampleAsync(client, counters);
        return counters.ToDictionary(c => c, c => (IReadOnlyDictionary<string, double>)after
            .Where(a => a.Key.Counter == c && before.ContainsKey(a.Key))
            .ToDictionary(a => a.Key.Service, a => units == 0 ? 0 : (a.Value - before[a.Key]) / units));
    }

    /// <summary>
    /// Runs <paramref name="round"/> until a round costs the JIT less than <paramref name="quietSeconds"/> (by
    /// <paramref name="jitOf"/>, from the services' compilation times in it), or <paramref name="maxRounds"/> rounds; the
    /// rounds run and the last one's JIT time. A round's description, when it gives one, is printed with its JIT time.
    /// </summary>
    public static async Task<(int Rounds, double LastJit)> WarmUpAsync(HttpClient client, int maxRounds, double quietSeconds,
        Func<IReadOnlyDictionary<string, double>, double> jitOf, Func<Task<string?>> round)
    {
        var (rounds, lastJit) = (0, double.NaN);
        while (rounds < maxRounds)
        {
            var jit = await StartAsync(client, JitTime);
            var said = await round();
            rounds++;
            lastJit = jitOf(await jit.PerUnitAsync(1));
            if (said is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warm-up round {rounds}: {said}, JIT {lastJit:0.00} s"));
            }

            if (lastJit < quietSeconds)
            {
                break;
            }
        }

        return (rounds, lastJit);
    }

    private static async Task<Dictionary<(string Service, string Counter), double>> SampleAsync(HttpClient client, string[] counters)
    {
        var values = new Dictionary<(string Service, string Counter), double>();
        foreach (var service in Platform.Ports.Keys)
        {
            try
            {
                var text = await client.GetStringAsync(new Uri(Platform.Base(service), "/metrics"));
                foreach (var counter in counters)
                {
                    if (Read(text, counter) is { } value)
                    {
                        values[(service, counter)] = value;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not running: reported as missing, like the other per-service figures.
            }
        }

        return values;
    }

    /// <summary>The counter's value in a Prometheus text exposition, summed over the labels it carries (collections by generation).</summary>
    public static double? Read(string exposition, string counter)
    {
        double? sum = null;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(counter, StringComparison.Ordinal) && line.Length > counter.Length && line[counter.Length] is '{' or ' ')
            {
                // The value follows the labels; a timestamp may follow it.
                var close = line.LastIndexOf('}');
                var rest = line[(close < 0 ? counter.Length : close + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (rest.Length > 0 && double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                {
                    sum = (sum ?? 0) + parsed;
                }
            }
        }

        return sum;
    }
}
