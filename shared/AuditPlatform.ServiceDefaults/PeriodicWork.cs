namespace AuditPlatform.ServiceDefaults;

/// <summary>The loop behind the services' sweeps and watches: one pass now, then one each tick of the clock.</summary>
public static class PeriodicWork
{
    /// <summary>
    /// Runs <paramref name="pass"/> every <paramref name="interval"/> on <paramref name="clock"/> (tests move a fake
    /// clock instead of sleeping) until stopped. A failed pass is reported and the next tick tries again: the state
    /// a pass works from lives in the ledger, so nothing is lost by waiting.
    /// </summary>
    public static async Task RunAsync(TimeSpan interval, TimeProvider clock, Func<CancellationToken, Task> pass, Action<Exception> failed, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                await pass(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
