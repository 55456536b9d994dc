using System.Globalization;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// Managed memory each service allocated over a scenario, from the runtime's own counter on its <c>/metrics</c>
/// (<c>dotnet_gc_heap_total_allocated_bytes_total</c>). Unlike CPU time on a shared machine, bytes allocated per unit
/// of work hardly move between runs of one build, so a change to a hot path shows here first; every byte is work for
/// the collector and, between collections, resident memory.
/// </summary>
public sealed class AllocationWatch
{
    private const string Counter = "dotnet_gc_heap_total_allocated_bytes_total";
    private readonly HttpClient client;
    private readonly Dictionary<string, double> before;

    private AllocationWatch(HttpClient client, Dictionary<string, double> before)
    {
        this.client = client;
        this.before = before;
    }

    public static async Task<AllocationWatch> StartAsync(HttpClient client) => new(client, await SampleAsync(client));

    /// <summary>Kilobytes allocated per unit of work, by service, since this watch started (services that did not answer are left out).</summary>
    public async Task<IReadOnlyDictionary<string, double>> PerUnitAsync(long units)
    {
        var after = await SampleAsync(client);
        return after.Where(a => before.ContainsKey(a.Key))
            .ToDictionary(a => a.Key, a => units == 0 ? 0 : (a.Value - before[a.Key]) / 1024 / units);
    }

    private static async Task<Dictionary<string, double>> SampleAsync(HttpClient client)
    {
        var bytes = new Dictionary<string, double>();
        foreach (var service in Platform.Ports.Keys)
        {
            try
            {
                var text = await client.GetStringAsync(new Uri(Platform.Base(service), "/metrics"));
                if (Read(text) is { } value)
                {
                    bytes[service] = value;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not running: reported as missing, like the other per-service figures.
            }
        }

        return bytes;
    }

    /// <summary>The counter's value in a Prometheus text exposition, whatever labels it carries.</summary>
    public static double? Read(string exposition)
    {
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith(Counter, StringComparison.Ordinal) && line.Length > Counter.Length && line[Counter.Length] is '{' or ' ')
            {
                // The value follows the labels; a timestamp may follow it.
                var close = line.LastIndexOf('}');
                var rest = line[(close < 0 ? Counter.Length : close + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (rest.Length > 0 && double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                {
                    return parsed;
                }
            }
        }

        return null;
    }
}
