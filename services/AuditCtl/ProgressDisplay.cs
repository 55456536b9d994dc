using System.Globalization;

namespace AuditPlatform.AuditCtl;

/// <summary>How long work shows its progress (<c>--progress</c>).</summary>
public enum ProgressStyle
{
    /// <summary>A bar when stderr is a terminal, plain lines when it is a file or a pipe.</summary>
    Auto,

    /// <summary>One line redrawn in place a few times a second: a spinner, the figures so far, the time taken.</summary>
    Bar,

    /// <summary>A plain line every few seconds, so a log stays readable.</summary>
    Lines,

    /// <summary>Only the closing figure.</summary>
    None,
}

/// <summary>Where long work reports its progress and on which clock; <see cref="StandardError"/> outside tests.</summary>
public sealed record ProgressOutput(TextWriter Writer, ProgressStyle Style, TimeProvider Time, int Width = 80)
{
    /// <summary>Reports nothing at all, not even the closing figure.</summary>
    public static ProgressOutput Silent { get; } = new(TextWriter.Null, ProgressStyle.None, TimeProvider.System);

    /// <summary>stderr; <see cref="ProgressStyle.Auto"/> is a bar on a terminal and lines in a file or a pipe.</summary>
    public static ProgressOutput StandardError(ProgressStyle style)
    {
        var terminal = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb";
        var resolved = style == ProgressStyle.Auto ? (terminal ? ProgressStyle.Bar : ProgressStyle.Lines) : style;
        return new(Console.Error, resolved, TimeProvider.System, terminal ? TerminalWidth() : 80);
    }

    /// <summary>Starts showing the status of work that has just begun; the function is given the time taken so far.</summary>
    public ProgressDisplay Start(Func<TimeSpan, string> status) => new(this, status);

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}

/// <summary>
/// The progress of one piece of long work. The work only updates the figures its status function reads; a timer on
/// the output's <see cref="TimeProvider"/> shows them: redrawn in place every <see cref="RedrawEvery"/> as a bar, or
/// written as a line every <see cref="LineEvery"/>. <see cref="Finish"/> replaces the bar with the closing figure.
/// </summary>
public sealed class ProgressDisplay : IDisposable
{
    public static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(125);

    public static readonly TimeSpan LineEvery = TimeSpan.FromSeconds(5);

    private const string Spinner = "|/-\\";

    private readonly ProgressOutput output;
    private readonly Func<TimeSpan, string> status;
    private readonly long started;
    private readonly Lock gate = new();
    private readonly ITimer? timer;
    private int frame;
    private int drawn;
    private bool stopped;

    internal ProgressDisplay(ProgressOutput output, Func<TimeSpan, string> status)
    {
        this.output = output;
        this.status = status;
        started = output.Time.GetTimestamp();
        var every = output.Style switch
        {
            ProgressStyle.Bar => RedrawEvery,
            ProgressStyle.Lines => LineEvery,
            _ => (TimeSpan?)null,
        };
        if (every is { } period)
        {
            timer = output.Time.CreateTimer(_ => Show(), null, period, period);
        }
    }

    /// <summary>The time taken since the work started.</summary>
    public TimeSpan Elapsed => output.Time.GetElapsedTime(started);

    /// <summary>Stops showing progress and writes the closing figure in its place.</summary>
    public void Finish(string closing)
    {
        Stop();
        output.Writer.WriteLine(closing);
        output.Writer.Flush();
    }

    /// <summary>Stops showing progress and clears the bar, so what is written next starts on a clean line.</summary>
    public void Stop()
    {
        lock (gate)
        {
            if (stopped)
            {
                return;
            }

            stopped = true;
            timer?.Dispose();
            if (drawn > 0)
            {
                output.Writer.Write("\r" + new string(' ', drawn) + "\r");
                output.Writer.Flush();
            }
        }
    }

    public void Dispose() => Stop();

    private void Show()
    {
        lock (gate)
        {
            if (stopped)
            {
                return;
            }

            var text = status(Elapsed);
            if (output.Style == ProgressStyle.Lines)
            {
                output.Writer.WriteLine(text);
            }
            else
            {
                var line = $"{Spinner[frame++ % Spinner.Length]} {text}";
                line = line.Length < output.Width ? line : line[..(output.Width - 1)];
                output.Writer.Write("\r" + line.PadRight(drawn));
                drawn = line.Length;
            }

            output.Writer.Flush();
        }
    }

    /// <summary>A duration as a person reads it on a progress line: <c>0:07</c>, <c>12:30</c>, <c>1:02:03</c>.</summary>
    public static string Clock(TimeSpan elapsed) =>
        elapsed.ToString(elapsed.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);

    /// <summary>A size in KiB below a MiB, else in MiB with one decimal.</summary>
    public static string Size(double bytes) => bytes < 1024 * 1024
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024:N0} KiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024):N1} MiB");

    /// <summary>How much per second, over the time taken (zero before any time has passed).</summary>
    public static double PerSecond(long amount, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? amount / elapsed.TotalSeconds : 0;
}
