using AuditPlatform.ServiceDefaults.Ledger;

namespace AuditPlatform.ServiceDefaults.Tests;

public class ForwarderStallSpecs
{
    private static List<string?> Judge(params ForwarderObservation[] looks)
    {
        var stall = new ForwarderStall();
        return [.. looks.Select(stall.Restart)];
    }

    [Fact]
    public void A_stopped_forwarder_is_restarted_on_the_second_look()
    {
        var stopped = new ForwarderObservation(Running: false, Position: 0, HighWater: 120);

        var verdicts = Judge(stopped, stopped);

        Assert.Null(verdicts[0]);
        Assert.Equal("stopped", verdicts[1]);
    }

    [Fact]
    public void A_running_forwarder_that_does_not_move_while_events_wait_is_restarted_after_thirty_seconds()
    {
        var stuck = new ForwarderObservation(Running: true, Position: 100, HighWater: 140);

        var verdicts = Judge([.. Enumerable.Repeat(stuck, ForwarderStall.StuckTicks + 1)]);

        // The first look only records the position; six more unmoved looks make the restart.
        Assert.All(verdicts.Take(ForwarderStall.StuckTicks), Assert.Null);
        Assert.Equal("has not moved from event 100 (the ledger is at 140)", verdicts[^1]);
    }

    [Fact]
    public void A_forwarder_that_moves_or_is_caught_up_is_left_alone()
    {
        var moving = Enumerable.Range(0, 20).Select(i => new ForwarderObservation(true, 100 + i, 200)).ToArray();
        var caughtUp = Enumerable.Repeat(new ForwarderObservation(true, 200, 200), 20).ToArray();

        Assert.All(Judge(moving), Assert.Null);
        Assert.All(Judge(caughtUp), Assert.Null);
    }
}
