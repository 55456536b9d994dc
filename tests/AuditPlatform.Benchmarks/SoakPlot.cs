using System.Globalization;
using System.Security;
using System.Text;

namespace AuditPlatform.Benchmarks;

/// <summary>The soak as a picture: four panels over the same minutes (rate, latency, memory, backlog), as a self-contained SVG.</summary>
public static class SoakPlot
{
    private const int Width = 960;
    private const int PanelHeight = 190;
    private const int Left = 70;
    private const int Right = 190;
    private const int Top = 50;
    private const int Gap = 45;
    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    private sealed record Series(string Name, IReadOnlyList<(double X, double? Y)> Points);

    public static string Svg(IReadOnlyList<SoakSample> samples, double rate, SoakOptions soak)
    {
        static Series Of(string name, IReadOnlyList<SoakSample> samples, Func<SoakSample, double?> y) =>
            new(name, [.. samples.Select(s => (s.Minute, y(s)))]);

        var processes = samples.Count == 0 ? [] : samples[0].RssMb.Keys.ToList();
        var panels = new (string Title, string Unit, Series[] Series)[]
        {
            ("Rate", "msg/s", [Of("sent", samples, s => s.SentPerSecond), Of("into the ledger", samples, s => s.AcceptedPerSecond)]),
            ("Latency, p99 per window", "ms", [Of("publish → ledger", samples, s => s.LedgerP99), Of("forwarder (commit → bus)", samples, s => s.ForwarderP99)]),
            ("Memory (RSS)", "MB", [.. processes.Select(p => Of(p, samples, s => s.RssMb.GetValueOrDefault(p)))]),
            ("Backlog", "count", [Of("platform queues", samples, s => s.Queued), Of("due notices", samples, s => s.DueNotices), Of("chain behind (events)", samples, s => s.ChainBehind)]),
        };

        var height = Top + panels.Length * (PanelHeight + Gap) + 10;
        var minutes = Math.Max(soak.Duration.TotalMinutes, samples.Count == 0 ? 1 : samples[^1].Minute);
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture,
            $"""<text x="{Left}" y="24" font-size="15" font-weight="bold">Soak: {rate:0.0} disclosures/s on the bus for {soak.Duration.TotalMinutes:0} min, sampled every {soak.Window.TotalSeconds:0} s</text>""");
        for (var i = 0; i < panels.Length; i++)
        {
            Panel(svg, Top + i * (PanelHeight + Gap), minutes, panels[i].Title, panels[i].Unit, panels[i].Series, last: i == panels.Length - 1);
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, int top, double minutes, string title, string unit, Series[] series, bool last)
    {
        var plotWidth = Width - Left - Right;
        var values = series.SelectMany(s => s.Points).Where(p => p.Y is not null).Select(p => p.Y!.Value).ToList();
        var ceiling = Nice(values.Count == 0 ? 1 : Math.Max(values.Max(), 1e-9));
        double X(double minute) => Left + minute / minutes * plotWidth;
        double Y(double value) => top + PanelHeight - value / ceiling * PanelHeight;

        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Left}" y="{top - 8}" font-weight="bold">{Escape(title)} ({Escape(unit)})</text>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{Left}" y="{top}" width="{plotWidth}" height="{PanelHeight}" fill="none" stroke="#999"/>""");
        for (var tick = 0; tick <= 4; tick++)
        {
            var value = ceiling * tick / 4;
            var y = Y(value);
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{Left}" x2="{Left + plotWidth}" y1="{y:0.0}" y2="{y:0.0}" stroke="#eee"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Left - 6}" y="{y + 4:0.0}" text-anchor="end">{Label(value)}</text>""");
        }

        var step = Nice(minutes / 6);
        for (var minute = 0.0; minute <= minutes + 1e-9; minute += step)
        {
            var x = X(minute);
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x:0.0}" x2="{x:0.0}" y1="{top}" y2="{top + PanelHeight}" stroke="#eee"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x:0.0}" y="{top + PanelHeight + 15}" text-anchor="middle">{Label(minute)}</text>""");
        }

        if (last)
        {
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Left + plotWidth / 2}" y="{top + PanelHeight + 32}" text-anchor="middle">minutes</text>""");
        }

        for (var i = 0; i < series.Length; i++)
        {
            var colour = Colours[i % Colours.Length];
            var points = string.Join(" ", series[i].Points.Where(p => p.Y is not null).Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.X):0.0},{Y(p.Y!.Value):0.0}")));
            if (points.Length > 0)
            {
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"/>""");
            }

            var legendY = top + 14 + i * 16;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{Left + plotWidth + 12}" x2="{Left + plotWidth + 30}" y1="{legendY - 4}" y2="{legendY - 4}" stroke="{colour}" stroke-width="2"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{Left + plotWidth + 35}" y="{legendY}">{Escape(series[i].Name)}</text>""");
        }
    }

    /// <summary>The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least <paramref name="value"/>.</summary>
    private static double Nice(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(f => f * power).First(c => c >= value * (1 - 1e-9));
    }

    private static string Label(double value) => value.ToString(value >= 10 || value == Math.Floor(value) ? "#,0" : "0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;
}
