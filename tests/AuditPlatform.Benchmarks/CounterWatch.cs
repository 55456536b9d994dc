using System.Globalization;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// How much a runtime counter of each service grew over a scenario, read from the service's own <c>/metrics</c>:
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
    private readonly string counter;
    private readonly Dictionary<string, double> before;

    private CounterWatch(HttpClient client, string counter, Dictionary<string, double> before)
    {
        this.client = client;
        this.counter = counter;
        this.before = before;
    }

    public static async Task<CounterWatch> StartAsync(HttpClient client, string counter) => new(client, counter, await SampleAsync(client, counter));

    /// <summary>How much the counter grew per unit of work, by service, since this watch started (services that did not answer are left out).</summary>
    public async Task<IReadOnlyDictionary<string, double>> PerUnitAsync(double units)
    {
        var after = await SampleAsync(client, counter);
        return after.Where(a => before.ContainsKey(a.Key))
            .ToDictionary(a => a.Key, a => units == 0 ? 0 : (a.Value - before[a.Key]) / units);
    }

    private static async Task<Dictionary<string, double>> SampleAsync(HttpClient client, string counter)
    {
        var values = new Dictionary<string, double>();
        foreach (var service in Platform.Ports.Keys)
        {
            try
            {
                var text = await client.GetStringAsync(new Uri(Platform.Base(service), "/metrics"));
                if (Read(text, counter) is { } value)
                {
                    values[service] = value;
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
