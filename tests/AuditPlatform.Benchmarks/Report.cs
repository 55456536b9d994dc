using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// One measured figure. A rate carries its ratio to the ceiling it is measured against; a missing service leaves Value
/// null. A figure that misses its target carries <see cref="Limit"/>: what held it there, as this run's own profile
/// showed it (the cores and who used them, the statements, the memory's parts).
/// </summary>
public sealed record Figure(
    string Scenario,
    string Name,
    double? Value,
    string Unit,
    string? Ceiling = null,
    double? Ratio = null,
    string? Target = null,
    bool? Met = null,
    string? Note = null,
    string? Limit = null);

/// <summary>The figures of one run, printed as a Markdown table and written as JSON.</summary>
public sealed class Report
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly List<Figure> figures = [];
    private readonly Dictionary<string, double> ceilings = [];
    private readonly List<Part> sections = [];

    /// <summary>A table of its own (a profile, a trace), printed after the figures and kept in the JSON.</summary>
    public sealed record Part(string Title, string Markdown);

    public IReadOnlyList<Figure> Figures => figures;

    public void Add(Figure figure)
    {
        var limit = figure.Met == false ? figure.Limit ?? NotProfiled : null;
        figure = figure with { Limit = limit };
        figures.Add(figure);
        Console.WriteLine($"  {figure.Name}: {Format(figure.Value)} {figure.Unit}{(figure.Note is null ? string.Empty : " (" + figure.Note + ")")}");
        if (limit is not null)
        {
            Console.WriteLine($"    limited by: {limit}");
        }
    }

    /// <summary>What a missed figure says when its scenario took no profile to explain it.</summary>
    public const string NotProfiled = "not profiled in this run";

    public void Section(string title, string markdown)
    {
        sections.Add(new Part(title, markdown));
        Console.WriteLine($"  {title}:");
        Console.WriteLine(markdown);
    }

    public void Ceiling(string scenario, string key, string name, double value, string? note = null)
    {
        ceilings[key] = value;
        Add(new Figure(scenario, name, Math.Round(value, 1), "msg/s", Note: note));
    }

    /// <summary>A rate measured against a ceiling; null when that ceiling was not measured in this run.</summary>
    public double? RatioTo(string ceiling, double rate) => ceilings.TryGetValue(ceiling, out var c) && c > 0 ? Math.Round(rate / c, 3) : null;

    public void NotAvailable(string scenario, string name, string unit, string why, string? target = null) =>
        Add(new Figure(scenario, name, null, unit, Target: target, Note: "not available: " + why));

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| Scenario | Figure | Value | Unit | Ratio to ceiling | Target | Met | What limits it (this run's profile) |");
        text.AppendLine("|---|---|---:|---|---:|---|---|---|");
        foreach (var f in figures)
        {
            var value = f.Value is null ? "not available" : Format(f.Value);
            var ratio = f.Ratio is null ? string.Empty : $"{f.Ratio.Value.ToString("0.00", CultureInfo.InvariantCulture)} of {f.Ceiling}";
            var met = f.Met switch { true => "yes", false => "**no**", null => string.Empty };
            var note = f.Note is null ? string.Empty : $" ({f.Note})";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {f.Scenario} | {f.Name}{note} | {value} | {f.Unit} | {ratio} | {f.Target} | {met} | {f.Limit?.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        foreach (var section in sections)
        {
            text.AppendLine().AppendLine(section.Title).AppendLine().Append(section.Markdown);
        }

        return text.ToString();
    }

    public async Task WriteAsync(string path, object machine, string mode, TimeSpan elapsed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var document = new
        {
            runAt = DateTimeOffset.UtcNow,
            mode,
            elapsedSeconds = Math.Round(elapsed.TotalSeconds, 1),
            machine,
            figures,
            sections,
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, Json));
    }

    public static string Format(double? value) => value switch
    {
        null => "-",
        >= 100 => value.Value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}

/// <summary>Percentiles of latencies in milliseconds (nearest rank).</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>p50, p99 and max of a sample, as three figures of one scenario, p99 checked against a target.</summary>
    public static void Report(Report report, string scenario, string name, IEnumerable<double> samples, double? p99Target = null, bool withMax = false, string? limit = null)
    {
        var sorted = samples.Order().ToList();
        if (sorted.Count == 0)
        {
            report.Add(new Figure(scenario, name + " p99", null, "ms", Note: "no samples"));
            return;
        }

        var note = $"n={sorted.Count}";
        report.Add(new Figure(scenario, name + " p50", Math.Round(Of(sorted, 50), 2), "ms", Note: note));
        var p99 = Of(sorted, 99);
        report.Add(new Figure(scenario, name + " p99", Math.Round(p99, 2), "ms",
            Target: p99Target is null ? null : $"< {p99Target} ms", Met: p99Target is null ? null : p99 < p99Target,
            Limit: limit is null ? null : string.Create(CultureInfo.InvariantCulture, $"p50 {Of(sorted, 50):0.0} ms, {sorted.Count(x => x >= p99)} of {sorted.Count} at or above the p99; {limit}")));
        if (withMax)
        {
            report.Add(new Figure(scenario, name + " max", Math.Round(sorted[^1], 2), "ms"));
        }
    }
}
