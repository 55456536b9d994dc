extern alias ctl;
using Microsoft.Extensions.Time.Testing;
using ProgressDisplay = ctl::AuditPlatform.AuditCtl.ProgressDisplay;
using ProgressOutput = ctl::AuditPlatform.AuditCtl.ProgressOutput;
using ProgressStyle = ctl::AuditPlatform.AuditCtl.ProgressStyle;

namespace AuditPlatform.Audit.Tests.AuditCtl;

/// <summary>auditctl's progress on stderr, on a fake clock: a bar redrawn in place on a terminal, plain lines in a log.</summary>
public sealed class ProgressDisplayTests
{
    private readonly FakeTimeProvider clock = new();
    private readonly StringWriter stderr = new();
    private long done;

    [Fact]
    public void On_a_terminal_one_line_is_redrawn_in_place_and_the_closing_figure_replaces_it()
    {
        using var display = Start(ProgressStyle.Bar);
        Assert.Equal(string.Empty, stderr.ToString());

        done = 1_500;
        clock.Advance(ProgressDisplay.RedrawEvery);
        done = 30_000;
        clock.Advance(ProgressDisplay.RedrawEvery);
        Assert.Equal("\r| 1,500 events at 0:00\r/ 30,000 events at 0:00", stderr.ToString());

        display.Finish("exported 30,000 events");
        Assert.Equal("\r| 1,500 events at 0:00\r/ 30,000 events at 0:00\r" + new string(' ', 23) + "\rexported 30,000 events" + Environment.NewLine, stderr.ToString());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.EndsWith("exported 30,000 events" + Environment.NewLine, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bar_never_runs_past_the_terminal_s_width()
    {
        using var display = new ProgressOutput(stderr, ProgressStyle.Bar, clock, Width: 12).Start(_ => "a status far wider than the terminal");
        clock.Advance(ProgressDisplay.RedrawEvery);
        Assert.Equal("\r| a status ", stderr.ToString());
    }

    [Fact]
    public void In_a_log_progress_is_a_plain_line_every_few_seconds_with_no_carriage_returns()
    {
        using var display = Start(ProgressStyle.Lines);
        done = 10;
        clock.Advance(ProgressDisplay.RedrawEvery * 8);
        Assert.Equal(string.Empty, stderr.ToString());

        clock.Advance(ProgressDisplay.LineEvery - (ProgressDisplay.RedrawEvery * 8));
        done = 20;
        clock.Advance(ProgressDisplay.LineEvery);
        display.Finish("exported 20 events");
        Assert.Equal(
            string.Join(Environment.NewLine, "10 events at 0:05", "20 events at 0:10", "exported 20 events", string.Empty),
            stderr.ToString());
    }

    [Fact]
    public void With_none_only_the_closing_figure_is_written_and_an_error_path_leaves_nothing()
    {
        using (var display = Start(ProgressStyle.None))
        {
            clock.Advance(TimeSpan.FromMinutes(2));
            display.Finish("checked 4 events in 120.0 s (0 events/s)");
        }

        using (Start(ProgressStyle.Bar))
        {
            // An error before the first redraw: nothing to clear, nothing written.
        }

        Assert.Equal("checked 4 events in 120.0 s (0 events/s)" + Environment.NewLine, stderr.ToString());
    }

    [Fact]
    public void Figures_read_as_a_person_reads_them()
    {
        Assert.Equal("0:07", ProgressDisplay.Clock(TimeSpan.FromSeconds(7)));
        Assert.Equal("1:02:03", ProgressDisplay.Clock(new TimeSpan(1, 2, 3)));
        Assert.Equal("512 KiB", ProgressDisplay.Size(512 * 1024));
        Assert.Equal("4.5 MiB", ProgressDisplay.Size(4.5 * 1024 * 1024));
        Assert.Equal(250, ProgressDisplay.PerSecond(1000, TimeSpan.FromSeconds(4)));
        Assert.Equal(0, ProgressDisplay.PerSecond(1000, TimeSpan.Zero));
    }

    private ProgressDisplay Start(ProgressStyle style) =>
        new ProgressOutput(stderr, style, clock).Start(elapsed => $"{Interlocked.Read(ref done):N0} events at {ProgressDisplay.Clock(elapsed)}");
}
